//! Routing on one listener: by Host header, by path prefix, or everything (a catch-all).
//! Pure data: no I/O, so every rule is unit tested.

use std::fmt;
use std::sync::Arc;

use weft_telemetry::RouteLabels;

use super::handler::RequestHandler;

/// Which requests on a listener a route takes. Empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RouteSpec {
    /// Only requests whose Host (without port) equals this, compared case-insensitively.
    pub host: Option<String>,
    /// Only requests whose path is this prefix or continues it after a `/`.
    pub path_prefix: Option<String>,
}

impl RouteSpec {
    /// A route that takes every request on its listener.
    pub fn catch_all() -> Self {
        Self::default()
    }

    /// The canonical form: lowercase host without a port; a prefix starting with `/` and
    /// without a trailing `/` (the root prefix `/` becomes no prefix).
    pub fn normalized(&self) -> Self {
        let host = self
            .host
            .as_deref()
            .map(|host| strip_port(host.trim()).to_ascii_lowercase())
            .filter(|host| !host.is_empty());
        let path_prefix = self
            .path_prefix
            .as_deref()
            .map(|prefix| format!("/{}", prefix.trim().trim_matches('/')))
            .filter(|prefix| prefix != "/");
        Self { host, path_prefix }
    }

    fn matches(&self, host: &str, path: &str) -> bool {
        let host_ok = self.host.as_deref().is_none_or(|wanted| wanted == host);
        let path_ok = self.path_prefix.as_deref().is_none_or(|prefix| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        });
        host_ok && path_ok
    }

    /// The path template its requests are counted under (`http.route`): `/*` for every
    /// path, `/api/*` under a prefix. The host is left out: it is not a path.
    pub fn path_template(&self) -> String {
        format!("{}/*", self.path_prefix.as_deref().unwrap_or_default())
    }

    /// Higher is more specific: a host beats any path, then longer prefixes win.
    fn specificity(&self) -> (bool, usize) {
        (
            self.host.is_some(),
            self.path_prefix.as_deref().map_or(0, str::len),
        )
    }
}

impl fmt::Display for RouteSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.host, &self.path_prefix) {
            (None, None) => write!(f, "every request"),
            (Some(host), None) => write!(f, "host {host}"),
            (None, Some(prefix)) => write!(f, "path {prefix}"),
            (Some(host), Some(prefix)) => write!(f, "host {host}, path {prefix}"),
        }
    }
}

/// Who holds a route: named in conflict errors, with the command that gives it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteOwner {
    /// Who asked for it, e.g. `app shop (link ...)`; two routes with the same name are the
    /// same owner's.
    pub name: String,
    /// The command that frees what this owner holds, e.g. `weft app undeploy shop`.
    pub freed_by: Option<String>,
    /// The application the route belongs to (its requests are counted under it).
    pub app: Option<String>,
}

impl RouteOwner {
    /// An owner whose routes are given up by running `command`.
    pub fn freed_by(name: impl Into<String>, command: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            freed_by: Some(command.into()),
            app: None,
        }
    }

    /// The same owner, for application `app`.
    pub fn of_app(mut self, app: impl Into<String>) -> Self {
        self.app = Some(app.into());
        self
    }

    /// What to do about a conflict with this owner, as a clause: `` `weft app undeploy shop`
    /// frees it, or `` … followed by `alternative`.
    pub fn remedy(&self, alternative: &str) -> String {
        match &self.freed_by {
            Some(command) => format!("`{command}` frees it, or {alternative}"),
            None => alternative.to_owned(),
        }
    }
}

impl From<String> for RouteOwner {
    fn from(name: String) -> Self {
        Self {
            name,
            freed_by: None,
            app: None,
        }
    }
}

impl From<&str> for RouteOwner {
    fn from(name: &str) -> Self {
        Self::from(name.to_owned())
    }
}

impl fmt::Display for RouteOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// One route: what it takes, who owns it, who handles it.
#[derive(Clone)]
pub struct Route {
    /// Which requests it takes (normalized).
    pub spec: RouteSpec,
    /// Who asked for it; named in collision errors.
    pub owner: RouteOwner,
    /// What serves its requests.
    pub handler: Arc<dyn RequestHandler>,
    /// What its requests are counted under.
    pub labels: RouteLabels,
}

impl Route {
    /// A route taking `spec`'s requests (normalized) to `handler` for `owner`.
    pub fn new(spec: RouteSpec, owner: RouteOwner, handler: Arc<dyn RequestHandler>) -> Self {
        let spec = spec.normalized();
        let labels = RouteLabels::new(&spec.path_template(), owner.app.as_deref());
        Self {
            spec,
            owner,
            handler,
            labels,
        }
    }
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("spec", &self.spec)
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

/// A route that would take the same requests as an existing one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{spec} is already routed to {existing_owner}; {requested_owner} cannot take it too ({})",
    existing_owner.remedy("give one of them a different host, path or address")
)]
pub struct RouteCollision {
    /// The contested route.
    pub spec: RouteSpec,
    /// Who has it.
    pub existing_owner: RouteOwner,
    /// Who asked for it.
    pub requested_owner: RouteOwner,
}

/// The routes of one listener, most specific first.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    /// Adds a route, refusing one whose spec is already taken.
    pub fn insert(&mut self, route: Route) -> Result<(), Box<RouteCollision>> {
        let spec = route.spec.normalized();
        if let Some(existing) = self.routes.iter().find(|existing| existing.spec == spec) {
            return Err(Box::new(RouteCollision {
                spec,
                existing_owner: existing.owner.clone(),
                requested_owner: route.owner,
            }));
        }
        self.routes.push(Route { spec, ..route });
        self.routes
            .sort_by_key(|route| std::cmp::Reverse(route.spec.specificity()));
        Ok(())
    }

    /// Removes the route with this spec if `owner` owns it; returns whether one was removed.
    pub fn remove(&mut self, spec: &RouteSpec, owner: &str) -> bool {
        let spec = spec.normalized();
        let before = self.routes.len();
        self.routes
            .retain(|route| !(route.spec == spec && route.owner.name == owner));
        self.routes.len() != before
    }

    /// The most specific route for a request with this Host header (port allowed) and path.
    pub fn find(&self, host: &str, path: &str) -> Option<&Route> {
        if let [only] = self.routes.as_slice()
            && only.spec == RouteSpec::catch_all()
        {
            return Some(only);
        }
        let host = strip_port(host).to_ascii_lowercase();
        self.routes
            .iter()
            .find(|route| route.spec.matches(&host, path))
    }

    /// Whether no routes are left.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The routes, most specific first.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }
}

/// `example.com:8080` → `example.com`; `[::1]:80` → `[::1]`.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .split_once(']')
            .map_or(host, |(addr, _)| &host[..=addr.len()]);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http_server::handler::tests::NamedHandler;

    fn route(host: Option<&str>, prefix: Option<&str>, owner: &str) -> Route {
        Route::new(
            RouteSpec {
                host: host.map(str::to_owned),
                path_prefix: prefix.map(str::to_owned),
            },
            owner.into(),
            Arc::new(NamedHandler(owner.to_owned())),
        )
    }

    #[test]
    fn requests_are_counted_under_the_path_template_and_the_app() {
        let owner = RouteOwner::from("app shop (link x)").of_app("shop");
        let handler = Arc::new(NamedHandler("shop".to_owned()));
        let api = Route::new(
            RouteSpec {
                host: Some("Shop.Example".into()),
                path_prefix: Some("api/".into()),
            },
            owner.clone(),
            handler.clone(),
        );
        assert_eq!(api.labels, RouteLabels::new("/api/*", Some("shop")));
        let every = Route::new(RouteSpec::catch_all(), "by hand".into(), handler);
        assert_eq!(every.labels, RouteLabels::new("/*", None));
    }

    fn owner_of<'a>(table: &'a RouteTable, host: &str, path: &str) -> Option<&'a str> {
        table
            .find(host, path)
            .map(|route| route.owner.name.as_str())
    }

    #[test]
    fn catch_all_takes_everything() {
        let mut table = RouteTable::default();
        table.insert(route(None, None, "hello")).unwrap();
        assert_eq!(owner_of(&table, "anything:80", "/x/y"), Some("hello"));
    }

    #[test]
    fn host_routes_win_over_paths_and_ignore_port_and_case() {
        let mut table = RouteTable::default();
        table.insert(route(None, Some("/api"), "api")).unwrap();
        table
            .insert(route(Some("Shop.Example"), None, "shop"))
            .unwrap();
        table.insert(route(None, None, "fallback")).unwrap();
        assert_eq!(owner_of(&table, "shop.example:8000", "/api"), Some("shop"));
        assert_eq!(owner_of(&table, "other", "/api/v1"), Some("api"));
        assert_eq!(owner_of(&table, "other", "/apix"), Some("fallback"));
        assert_eq!(owner_of(&table, "other", "/"), Some("fallback"));
    }

    #[test]
    fn longest_prefix_wins_on_segment_boundaries() {
        let mut table = RouteTable::default();
        table.insert(route(None, Some("/foo"), "foo")).unwrap();
        table.insert(route(None, Some("/foo/bar/"), "bar")).unwrap();
        assert_eq!(owner_of(&table, "h", "/foo/bar/baz"), Some("bar"));
        assert_eq!(owner_of(&table, "h", "/foo/bar"), Some("bar"));
        assert_eq!(owner_of(&table, "h", "/foo/barn"), Some("foo"));
        assert_eq!(owner_of(&table, "h", "/food"), None);
    }

    #[test]
    fn collisions_name_both_owners() {
        let mut table = RouteTable::default();
        table.insert(route(None, Some("/api/"), "app one")).unwrap();
        let error = table
            .insert(route(None, Some("api"), "app two"))
            .unwrap_err();
        assert_eq!(error.existing_owner.name, "app one");
        assert_eq!(error.requested_owner.name, "app two");
        let message = error.to_string();
        assert!(
            message.contains("app one") && message.contains("app two"),
            "{message}"
        );
    }

    #[test]
    fn collisions_say_which_command_frees_the_route() {
        let mut table = RouteTable::default();
        let mut held = route(None, None, "app hello");
        held.owner = RouteOwner::freed_by("app hello", "weft app undeploy hello");
        table.insert(held).unwrap();
        let message = table
            .insert(route(None, None, "app shop"))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("`weft app undeploy hello` frees it"),
            "{message}"
        );
    }

    #[test]
    fn remove_only_removes_the_owners_route() {
        let mut table = RouteTable::default();
        table.insert(route(None, None, "a")).unwrap();
        assert!(!table.remove(&RouteSpec::catch_all(), "b"));
        assert!(table.remove(&RouteSpec::catch_all(), "a"));
        assert!(table.is_empty());
    }

    #[test]
    fn ports_are_stripped_including_ipv6() {
        assert_eq!(strip_port("a.example:8080"), "a.example");
        assert_eq!(strip_port("a.example"), "a.example");
        assert_eq!(strip_port("[::1]:80"), "[::1]");
    }
}
