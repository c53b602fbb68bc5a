//! [`Metadata`]: the models of a program as one schema.
//!
//! Every `#[derive(Model)]` registers its model with `inventory`, so
//! [`Metadata::all`] finds every model linked into the program (the `Base.metadata`
//! of SQLAlchemy). [`Metadata::of`] builds one from an explicit tuple of models.
//! Either way the schema is built by `retort_model_syntax::assemble`, as the
//! CLI's scanner builds it: tables sorted by schema-qualified name, the enum types
//! the columns use collected once. So the program and the `retort` command see the
//! identical schema.

use retort_model_syntax::{Problem, assemble, validate};
use retort_schema::{Schema, Table};

use crate::model::Model;

/// One registered model. Created by the code `#[derive(Model)]` generates.
#[doc(hidden)]
pub struct Registration {
    table: fn() -> Table,
}

impl Registration {
    /// A registration for the model whose table `table` returns.
    pub const fn new(table: fn() -> Table) -> Self {
        Self { table }
    }
}

inventory::collect!(Registration);

/// The schema of a set of models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    schema: Schema,
}

impl Metadata {
    /// Every model of the program: each `#[derive(Model)]` type linked into it.
    pub fn all() -> Self {
        Self::from_tables(
            inventory::iter::<Registration>
                .into_iter()
                .map(|r| (r.table)())
                .collect(),
        )
    }

    /// The models of a tuple: `Metadata::of::<(User, Post)>()` (up to 16).
    pub fn of<M: ModelSet>() -> Self {
        Self::from_tables(M::tables())
    }

    /// Metadata from tables, ordered and with their enum types gathered.
    pub fn from_tables(tables: Vec<Table>) -> Self {
        Self {
            schema: assemble(tables),
        }
    }

    /// Metadata holding this schema as it is.
    pub fn from_schema(schema: Schema) -> Self {
        Self { schema }
    }

    /// The schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The schema, by value.
    pub fn into_schema(self) -> Schema {
        self.schema
    }

    /// Check the schema as a whole (duplicate tables, references to missing
    /// tables or columns, ...), as the CLI's scanner does.
    pub fn validate(&self) -> Result<(), Vec<Problem>> {
        let problems = validate(&self.schema);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// A tuple of models, for [`Metadata::of`].
pub trait ModelSet {
    /// The tables of the models, in tuple order.
    fn tables() -> Vec<Table>;
}

macro_rules! model_set {
    ($($m:ident),*) => {
        impl<$($m: Model),*> ModelSet for ($($m,)*) {
            fn tables() -> Vec<Table> {
                vec![$($m::table()),*]
            }
        }
    };
}

model_set!();
model_set!(A);
model_set!(A, B);
model_set!(A, B, C);
model_set!(A, B, C, D);
model_set!(A, B, C, D, E);
model_set!(A, B, C, D, E, F);
model_set!(A, B, C, D, E, F, G);
model_set!(A, B, C, D, E, F, G, H);
model_set!(A, B, C, D, E, F, G, H, I);
model_set!(A, B, C, D, E, F, G, H, I, J);
model_set!(A, B, C, D, E, F, G, H, I, J, K);
model_set!(A, B, C, D, E, F, G, H, I, J, K, L);
model_set!(A, B, C, D, E, F, G, H, I, J, K, L, M);
model_set!(A, B, C, D, E, F, G, H, I, J, K, L, M, N);
model_set!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O);
model_set!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P);
