#!/usr/bin/env bash
# Every real-world PostgreSQL schema (zabbix-server-pgsql: 173 tables; roundcube-core; icinga2-ido-pgsql; pdns-backend-pgsql): see run.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/run.sh" pg "${1:-all}"
