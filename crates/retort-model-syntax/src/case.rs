//! Name conversion used for default table, enum type and enum value names.

/// `snake_case` of a Rust identifier: `BlogPost` → `blog_post`,
/// `HTTPRequest` → `http_request`, `InProgress` → `in_progress`, `Utf8Text` →
/// `utf8_text`. A raw-identifier prefix (`r#`) is dropped.
pub fn snake_case(ident: &str) -> String {
    let ident = ident.strip_prefix("r#").unwrap_or(ident);
    let chars: Vec<char> = ident.chars().collect();
    let mut out = String::with_capacity(ident.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None | Some('_') => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_uppercase() => next.is_some_and(|n| n.is_lowercase()),
                Some(_) => false,
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn converts_camel_case() {
        assert_eq!(snake_case("User"), "user");
        assert_eq!(snake_case("BlogPost"), "blog_post");
        assert_eq!(snake_case("HTTPRequest"), "http_request");
        assert_eq!(snake_case("InProgress"), "in_progress");
        assert_eq!(snake_case("Utf8Text"), "utf8_text");
        assert_eq!(snake_case("already_snake"), "already_snake");
        assert_eq!(snake_case("r#Type"), "type");
    }
}
