//! Bucket notifications: the configuration (functions, queues, topics,
//! each with its events and key filter), its validation, which
//! configurations an event matches, and the S3 event record AWS sends.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::S3Error;
use crate::wire::{child_text, children};

/// Where one kind of destination is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Function,
    Queue,
    Topic,
}

impl Kind {
    /// (the configuration's element, the destination's element)
    fn elements(self) -> (&'static str, &'static str) {
        match self {
            Kind::Function => ("CloudFunctionConfiguration", "CloudFunction"),
            Kind::Queue => ("QueueConfiguration", "Queue"),
            Kind::Topic => ("TopicConfiguration", "Topic"),
        }
    }
}

/// One configured destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    pub kind: Kind,
    pub id: String,
    pub arn: String,
    pub events: Vec<String>,
    /// Key filter rules: (`Prefix` or `Suffix`, value).
    #[serde(default)]
    pub rules: Vec<(String, String)>,
}

/// A bucket's notification configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationConfig {
    #[serde(default)]
    pub destinations: Vec<Destination>,
    #[serde(default)]
    pub eventbridge: bool,
}

/// The event types a configuration may name.
const EVENTS: &[&str] = &[
    "s3:ReducedRedundancyLostObject",
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:Replication:*",
    "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationNotTracked",
    "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put",
];

impl NotificationConfig {
    /// Reads a `NotificationConfiguration` document, checking what AWS
    /// checks of its form (the destinations are checked by the caller).
    pub fn parse(doc: &roxmltree::Document<'_>) -> Result<NotificationConfig, S3Error> {
        let root = doc.root_element();
        if root.tag_name().name() != "NotificationConfiguration" {
            return Err(S3Error::malformed_xml());
        }
        let mut config = NotificationConfig::default();
        for kind in [Kind::Topic, Kind::Queue, Kind::Function] {
            let (element, target) = kind.elements();
            for c in children(root, element) {
                let arn = child_text(c, target)
                    .ok_or_else(S3Error::malformed_xml)?
                    .trim()
                    .to_string();
                if !arn_parses(&arn) {
                    return Err(S3Error::invalid_argument(
                        "The ARN could not be parsed",
                        target,
                        arn,
                    ));
                }
                let mut events = Vec::new();
                for e in children(c, "Event") {
                    let name = e.text().unwrap_or("").trim().to_string();
                    if !EVENTS.contains(&name.as_str()) {
                        return Err(S3Error::invalid_argument(
                            "The event is not supported for notifications",
                            "Event",
                            name,
                        ));
                    }
                    events.push(name);
                }
                if events.is_empty() {
                    return Err(S3Error::malformed_xml());
                }
                let mut rules = Vec::new();
                if let Some(filter) = children(c, "Filter").next() {
                    for key in children(filter, "S3Key") {
                        for r in children(key, "FilterRule") {
                            let (Some(name), Some(value)) =
                                (child_text(r, "Name"), child_text(r, "Value"))
                            else {
                                return Err(S3Error::malformed_xml());
                            };
                            let canonical = match name.trim().to_ascii_lowercase().as_str() {
                                "prefix" => "Prefix",
                                "suffix" => "Suffix",
                                _ => {
                                    return Err(S3Error::invalid_argument(
                                        "filter rule name must be either prefix or suffix",
                                        "FilterRule.Name",
                                        name,
                                    ))
                                }
                            };
                            if rules.iter().any(|(n, _): &(String, String)| n == canonical) {
                                return Err(S3Error::new(
                                    http::StatusCode::BAD_REQUEST,
                                    "InvalidArgument",
                                    format!(
                                        "Cannot specify more than one {} rule in a filter.",
                                        canonical.to_ascii_lowercase()
                                    ),
                                )
                                .with("ArgumentName", "FilterRule")
                                .with("ArgumentValue", name));
                            }
                            rules.push((canonical.to_string(), value.to_string()));
                        }
                    }
                }
                let id = child_text(c, "Id")
                    .map(str::to_string)
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(generated_id);
                config.destinations.push(Destination {
                    kind,
                    id,
                    arn,
                    events,
                    rules,
                });
            }
        }
        config.eventbridge = children(root, "EventBridgeConfiguration").next().is_some();
        config.check_overlaps()?;
        Ok(config)
    }

    /// AWS refuses two configurations that share an event type and whose
    /// filters overlap (whatever their destinations).
    fn check_overlaps(&self) -> Result<(), S3Error> {
        let ds = &self.destinations;
        for (i, a) in ds.iter().enumerate() {
            for b in &ds[i + 1..] {
                let shared = a.events.iter().find_map(|x| {
                    b.events
                        .iter()
                        .find(|y| event_matches(x, y) || event_matches(y, x))
                        .map(|y| (x, y))
                });
                let Some((x, y)) = shared else { continue };
                fn rule<'d>(d: &'d Destination, n: &str) -> &'d str {
                    d.rules
                        .iter()
                        .find(|(k, _)| k == n)
                        .map_or("", |(_, v)| v.as_str())
                }
                let (pa, pb) = (rule(a, "Prefix"), rule(b, "Prefix"));
                let (sa, sb) = (rule(a, "Suffix"), rule(b, "Suffix"));
                let prefixes = pa.starts_with(pb) || pb.starts_with(pa);
                let suffixes = sa.ends_with(sb) || sb.ends_with(sa);
                if prefixes && suffixes {
                    return Err(S3Error::invalid_argument(
                        "Configurations overlap. Configurations on the same bucket cannot share a \
                         common event type.",
                        "Event",
                        format!("{x}, {y}"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The configuration as GetBucketNotificationConfiguration answers it.
    pub fn write(&self, x: &mut lambdalite_protocol::xml::Xml) {
        for kind in [Kind::Topic, Kind::Queue, Kind::Function] {
            let (element, target) = kind.elements();
            for d in self.destinations.iter().filter(|d| d.kind == kind) {
                x.open(element, None).leaf("Id", &d.id).leaf(target, &d.arn);
                for e in &d.events {
                    x.leaf("Event", e);
                }
                if !d.rules.is_empty() {
                    x.open("Filter", None).open("S3Key", None);
                    for (n, v) in &d.rules {
                        x.open("FilterRule", None)
                            .leaf("Name", n)
                            .leaf("Value", v)
                            .close("FilterRule");
                    }
                    x.close("S3Key").close("Filter");
                }
                x.close(element);
            }
        }
        if self.eventbridge {
            x.open("EventBridgeConfiguration", None)
                .close("EventBridgeConfiguration");
        }
    }

    /// The destinations an event (`s3:ObjectCreated:Put` …) on `key`
    /// goes to.
    pub fn matching<'a>(
        &'a self,
        event: &'a str,
        key: &'a str,
    ) -> impl Iterator<Item = &'a Destination> {
        self.destinations
            .iter()
            .filter(move |d| d.events.iter().any(|e| event_matches(e, event)) && d.accepts(key))
    }
}

/// Whether a destination is an ARN at all (`arn:PARTITION:SERVICE:…`).
fn arn_parses(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6 && parts[0] == "arn" && !parts[1].is_empty() && !parts[2].is_empty()
}

impl Destination {
    /// Filters see the key URL-encoded, as AWS's notifications do.
    fn accepts(&self, key: &str) -> bool {
        let key = crate::wire::list_encode(key, true);
        let key = key.as_str();
        self.rules.iter().all(|(n, v)| match n.as_str() {
            "Prefix" => key.starts_with(v.as_str()),
            "Suffix" => key.ends_with(v.as_str()),
            _ => true,
        })
    }
}

fn event_matches(configured: &str, event: &str) -> bool {
    match configured.strip_suffix('*') {
        Some(prefix) => event.starts_with(prefix),
        None => configured == event,
    }
}

fn generated_id() -> String {
    // AWS generates an id of this form for a configuration without one.
    let u = uuid::Uuid::new_v4().simple().to_string();
    let b = u.as_bytes();
    let s = |r: std::ops::Range<usize>| std::str::from_utf8(&b[r]).unwrap_or("").to_string();
    format!(
        "{}-{}-{}-{}-{}",
        s(0..8),
        s(8..12),
        s(12..16),
        s(16..20),
        s(20..32)
    )
}

/// What an event record tells about its object.
pub struct ObjectEvent<'a> {
    /// `ObjectCreated:Put` …, without the `s3:` prefix.
    pub name: &'a str,
    pub bucket: &'a str,
    pub key: &'a str,
    /// Created objects only.
    pub size: Option<u64>,
    /// Unquoted; created objects only.
    pub etag: Option<&'a str>,
    pub sequencer: &'a str,
    pub time: &'a str,
    pub region: &'a str,
    pub request_id: &'a str,
    pub source_ip: &'a str,
    pub principal: &'a str,
}

/// The record AWS sends (`Records` of one), for one configuration.
pub fn record(e: &ObjectEvent<'_>, configuration_id: &str, owner: &str) -> Value {
    let mut object = json!({"key": crate::wire::list_encode(e.key, true)});
    if let Some(size) = e.size {
        object["size"] = json!(size);
    }
    if let Some(etag) = e.etag {
        object["eTag"] = json!(etag);
    }
    object["sequencer"] = json!(e.sequencer);
    json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": e.region,
        "eventTime": e.time,
        "eventName": e.name,
        "userIdentity": {"principalId": e.principal},
        "requestParameters": {"sourceIPAddress": e.source_ip},
        "responseElements": {
            "x-amz-request-id": e.request_id,
            "x-amz-id-2": crate::host_id(e.request_id),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": e.bucket,
                "ownerIdentity": {"principalId": owner},
                "arn": format!("arn:aws:s3:::{}", e.bucket),
            },
            "object": object,
        },
    }]})
}

/// The message a queue or topic gets when a configuration is set.
pub fn test_event(bucket: &str, time: &str, request_id: &str) -> Value {
    json!({
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": time,
        "Bucket": bucket,
        "RequestId": request_id,
        "HostId": crate::host_id(request_id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(xml: &str) -> Result<NotificationConfig, S3Error> {
        let doc = roxmltree::Document::parse(xml).unwrap();
        NotificationConfig::parse(&doc)
    }

    #[test]
    fn reads_destinations_and_filters() {
        let c = config(
            "<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <QueueConfiguration><Id>q</Id><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue>\
             <Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name>\
             <Value>in/</Value></FilterRule><FilterRule><Name>Suffix</Name><Value>.txt</Value>\
             </FilterRule></S3Key></Filter></QueueConfiguration></NotificationConfiguration>",
        )
        .unwrap();
        let d = &c.destinations[0];
        assert_eq!(
            d.rules,
            vec![
                ("Prefix".into(), "in/".into()),
                ("Suffix".into(), ".txt".into())
            ]
        );
        assert_eq!(c.matching("s3:ObjectCreated:Put", "in/a.txt").count(), 1);
        assert_eq!(c.matching("s3:ObjectCreated:Put", "in/a.csv").count(), 0);
        assert_eq!(c.matching("s3:ObjectRemoved:Delete", "in/a.txt").count(), 0);
    }

    #[test]
    fn refuses_unknown_events_and_rules() {
        let e = config(
            "<NotificationConfiguration><QueueConfiguration><Queue>a</Queue>\
             <Event>s3:Nope</Event></QueueConfiguration></NotificationConfiguration>",
        )
        .unwrap_err();
        assert_eq!(e.code, "InvalidArgument");
    }
}
