//! Path templates (`/items/{id}`, `/files/{proxy+}`) and choosing the most
//! specific route for a request.

use std::cmp::Ordering;

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Matches itself, exactly.
    Literal(String),
    /// `{name}`: any one non-empty segment.
    Param(String),
    /// `{name+}`: one or more segments, the rest of the path.
    Greedy(String),
}

/// A resource path as written in a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    pub text: String,
    pub segments: Vec<Segment>,
}

fn valid_param_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

impl PathTemplate {
    /// Parses `/a/{b}/{c+}`; the message says what is wrong.
    pub fn parse(text: &str) -> Result<PathTemplate, String> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!("path {text:?} must start with '/'"));
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let mut segments = Vec::new();
        let mut names = Vec::new();
        if !rest.is_empty() {
            for part in rest.split('/') {
                if part.is_empty() {
                    return Err(format!("path {text:?} has an empty segment"));
                }
                if matches!(segments.last(), Some(Segment::Greedy(_))) {
                    return Err(format!(
                        "path {text:?}: a greedy parameter {{name+}} must be the last segment"
                    ));
                }
                let seg = match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(inner) => {
                        let (name, greedy) = match inner.strip_suffix('+') {
                            Some(n) => (n, true),
                            None => (inner, false),
                        };
                        if !valid_param_name(name) {
                            return Err(format!(
                                "path {text:?}: {part:?} is not a valid path parameter"
                            ));
                        }
                        if names.contains(&name) {
                            return Err(format!(
                                "path {text:?} names the parameter {name:?} twice"
                            ));
                        }
                        names.push(name);
                        if greedy {
                            Segment::Greedy(name.to_string())
                        } else {
                            Segment::Param(name.to_string())
                        }
                    }
                    None if part.contains(['{', '}']) => {
                        return Err(format!(
                            "path {text:?}: a parameter must be a whole segment, not {part:?}"
                        ))
                    }
                    None => Segment::Literal(part.to_string()),
                };
                segments.push(seg);
            }
        }
        Ok(PathTemplate {
            text: text.to_string(),
            segments,
        })
    }

    /// The path parameters when `path` matches, in template order.
    pub fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let rest = path.strip_prefix('/').unwrap_or(path);
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let parts: Vec<&str> = if rest.is_empty() {
            Vec::new()
        } else {
            rest.split('/').collect()
        };
        let mut params = Vec::new();
        let mut i = 0;
        for seg in &self.segments {
            match seg {
                Segment::Literal(l) => {
                    if parts.get(i) != Some(&l.as_str()) {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    let p = parts.get(i).filter(|p| !p.is_empty())?;
                    params.push((name.clone(), (*p).to_string()));
                }
                Segment::Greedy(name) => {
                    if i >= parts.len() {
                        return None;
                    }
                    params.push((name.clone(), parts[i..].join("/")));
                    return Some(params);
                }
            }
            i += 1;
        }
        (i == parts.len()).then_some(params)
    }

    /// Orders templates from the most specific: segment by segment, a
    /// literal before a parameter before a greedy parameter.
    pub fn specificity_cmp(&self, other: &PathTemplate) -> Ordering {
        fn rank(s: &Segment) -> u8 {
            match s {
                Segment::Literal(_) => 0,
                Segment::Param(_) => 1,
                Segment::Greedy(_) => 2,
            }
        }
        let a: Vec<u8> = self.segments.iter().map(rank).collect();
        let b: Vec<u8> = other.segments.iter().map(rank).collect();
        a.cmp(&b)
    }
}

/// What a route answers: a method (or any) on a path template, or every
/// request no other route takes (an HTTP API's `$default` route).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteMatch {
    Path {
        /// Upper case; `ANY` for every method.
        method: String,
        template: PathTemplate,
    },
    Default,
    /// A WebSocket API's route, chosen by its key (never by a path).
    Key(String),
}

/// The index of the route that takes `method path`, and its path
/// parameters: the most specific template first, then a route of the exact
/// method before an `ANY` one, and `$default` last.
pub fn select<'a>(
    routes: impl IntoIterator<Item = &'a RouteMatch>,
    method: &str,
    path: &str,
) -> Option<(usize, Vec<(String, String)>)> {
    // (index, template, exact method, parameters) of the best so far.
    type Candidate<'t> = (usize, &'t PathTemplate, bool, Vec<(String, String)>);
    let mut best: Option<Candidate<'a>> = None;
    let mut default = None;
    for (i, r) in routes.into_iter().enumerate() {
        let (m, template) = match r {
            RouteMatch::Default => {
                default.get_or_insert(i);
                continue;
            }
            RouteMatch::Key(_) => continue,
            RouteMatch::Path {
                method: m,
                template,
            } => (m, template),
        };
        let exact = m.eq_ignore_ascii_case(method);
        if !exact && m != "ANY" {
            continue;
        }
        let Some(params) = template.matches(path) else {
            continue;
        };
        let better = match &best {
            None => true,
            Some((_, t, e, _)) => match template.specificity_cmp(t) {
                Ordering::Less => true,
                Ordering::Equal => exact && !e,
                Ordering::Greater => false,
            },
        };
        if better {
            best = Some((i, template, exact, params));
        }
    }
    best.map(|(i, _, _, p)| (i, p))
        .or_else(|| default.map(|i| (i, Vec::new())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> RouteMatch {
        RouteMatch::Path {
            method: method.into(),
            template: PathTemplate::parse(path).unwrap(),
        }
    }

    #[test]
    fn parses_templates_and_refuses_bad_ones() {
        let t = PathTemplate::parse("/items/{id}/files/{path+}").unwrap();
        assert_eq!(
            t.segments,
            vec![
                Segment::Literal("items".into()),
                Segment::Param("id".into()),
                Segment::Literal("files".into()),
                Segment::Greedy("path".into()),
            ]
        );
        assert!(PathTemplate::parse("/").unwrap().segments.is_empty());
        for bad in [
            "items",
            "/a//b",
            "/{proxy+}/x",
            "/a{b}",
            "/{}",
            "/{a}/{a}",
            "/{a b}",
        ] {
            assert!(PathTemplate::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn matches_parameters_and_greedy_paths() {
        let t = PathTemplate::parse("/items/{id}").unwrap();
        assert_eq!(
            t.matches("/items/42"),
            Some(vec![("id".into(), "42".into())])
        );
        assert_eq!(
            t.matches("/items/42/"),
            Some(vec![("id".into(), "42".into())])
        );
        assert_eq!(t.matches("/items"), None);
        assert_eq!(t.matches("/items/4/2"), None);
        let g = PathTemplate::parse("/files/{proxy+}").unwrap();
        assert_eq!(
            g.matches("/files/a/b/c.txt"),
            Some(vec![("proxy".into(), "a/b/c.txt".into())])
        );
        assert_eq!(g.matches("/files"), None);
        let root = PathTemplate::parse("/").unwrap();
        assert_eq!(root.matches("/"), Some(vec![]));
        assert_eq!(root.matches("/x"), None);
        let any = PathTemplate::parse("/{proxy+}").unwrap();
        assert_eq!(any.matches("/"), None);
    }

    #[test]
    fn most_specific_route_wins() {
        let routes = vec![
            route("ANY", "/{proxy+}"),
            route("GET", "/items/{id}"),
            route("ANY", "/items/{id}"),
            route("GET", "/items/special"),
            route("POST", "/items/{proxy+}"),
            RouteMatch::Default,
        ];
        let pick = |m: &str, p: &str| select(&routes, m, p).map(|(i, _)| i);
        assert_eq!(pick("GET", "/items/special"), Some(3));
        assert_eq!(pick("GET", "/items/7"), Some(1));
        assert_eq!(pick("DELETE", "/items/7"), Some(2));
        assert_eq!(pick("POST", "/items/7"), Some(2));
        assert_eq!(pick("POST", "/items/7/x"), Some(4));
        assert_eq!(pick("GET", "/other/thing"), Some(0));
        assert_eq!(pick("GET", "/"), Some(5));
        let (_, params) = select(&routes, "GET", "/a/b").unwrap();
        assert_eq!(params, vec![("proxy".into(), "a/b".into())]);
    }

    #[test]
    fn no_route_is_none() {
        let routes = vec![route("GET", "/a")];
        assert!(select(&routes, "POST", "/a").is_none());
        assert!(select(&routes, "GET", "/b").is_none());
    }
}
