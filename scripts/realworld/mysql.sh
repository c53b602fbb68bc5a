#!/usr/bin/env bash
# Every real-world MySQL/MariaDB schema (zabbix-server-mysql: 173 tables; roundcube-core; icinga2-ido-mysql; pdns-backend-mysql): see run.sh.
exec "$(dirname "${BASH_SOURCE[0]}")/run.sh" mysql "${1:-all}"
