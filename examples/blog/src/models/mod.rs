//! The blog's models, exactly as in SPEC §4 (version 1: before the `phone` field).

use retort::Model;

/// A registered user.
#[derive(Model)]
#[model(table = "users")]
pub struct User {
    /// Primary key (auto-increment).
    #[model(primary_key)]
    pub id: i32,
    /// Login name.
    #[model(unique, max_length = 50)]
    pub username: String,
    /// E-mail address.
    #[model(unique, max_length = 100)]
    pub email: String,
    /// When the row was created.
    #[model(server_default = "CURRENT_TIMESTAMP")]
    pub created_at: Option<chrono::NaiveDateTime>,
    // Version 2 of the example (the seed scenario's "Add phone to users") adds:
    // #[model(max_length = 20)]
    // pub phone: Option<String>,
}

/// A blog post by a user.
#[derive(Model)]
#[model(table = "posts", index(columns = ["user_id", "created_at"]))]
pub struct Post {
    /// Primary key (auto-increment).
    #[model(primary_key)]
    pub id: i32,
    /// The author.
    #[model(references = "users.id", on_delete = "cascade")]
    pub user_id: i32,
    /// Title.
    #[model(max_length = 200)]
    pub title: String,
    /// Text.
    pub body: String,
    /// When the post was created.
    pub created_at: Option<chrono::NaiveDateTime>,
    /// The post's comments: a relationship, not a column.
    #[model(skip)]
    pub comments: Vec<Comment>,
}

/// A comment on a post. Not a model in this example: it only shows that
/// `#[model(skip)]` fields may hold any type.
pub struct Comment {
    /// The comment's text.
    pub body: String,
}
