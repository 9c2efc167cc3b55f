//! Names wadm derives from the manifest: default component ids and managed config names.

/// One part of an id, as wadm normalizes it: lowercase, every character that is not an ASCII
/// letter or digit replaced by `_`.
pub fn normalize_id_part(part: &str) -> String {
    part.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The id of component `component` of application `app` when none is given:
/// `{app}-{component}`, each part normalized (`rust-hello`, `http-component` →
/// `rust_hello-http_component`).
pub fn component_id(app: &str, component: &str) -> String {
    format!(
        "{}-{}",
        normalize_id_part(app),
        normalize_id_part(component)
    )
}

/// The stored name of a config the manifest owns (one with `properties`): namespaced by the
/// application like a component id.
pub fn managed_config_name(app: &str, config: &str) -> String {
    component_id(app, config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_wadm() {
        assert_eq!(
            component_id("rust-hello-world", "http-component"),
            "rust_hello_world-http_component"
        );
        assert_eq!(component_id("Shop", "Cart.V2"), "shop-cart_v2");
        assert_eq!(
            managed_config_name("rust-http-kv", "redis-url"),
            "rust_http_kv-redis_url"
        );
    }
}
