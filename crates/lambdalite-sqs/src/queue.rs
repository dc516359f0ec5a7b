//! One queue's messages in memory: which are visible, which in flight,
//! FIFO groups and deduplication. Pure logic under the queue's lock; the
//! service makes each change durable.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use lambdalite_store::sqs::{MessageRow, QueueRow};

use crate::attributes::{self, RedrivePolicy};
use crate::message::Attributes;

/// How long a FIFO deduplication id is remembered (AWS: 5 minutes).
pub const DEDUP_WINDOW_MS: i64 = 5 * 60 * 1000;

/// A message held by a queue.
#[derive(Debug, Clone)]
pub struct Held {
    pub row: MessageRow,
    pub attributes: Attributes,
    /// Changes at every receive: an old receipt handle can't change the
    /// visibility of a newer receive.
    pub receipt_nonce: u64,
}

impl Held {
    pub fn in_flight(&self, now_ms: i64) -> bool {
        self.row.receive_count > 0 && self.row.visible_at_ms > now_ms
    }
}

/// The state of one queue.
#[derive(Debug)]
pub struct QueueState {
    pub row: QueueRow,
    pub fifo: bool,
    pub messages: HashMap<String, Held>,
    /// (visible at, seq, id) of every message.
    pub order: BTreeSet<(i64, i64, String)>,
    /// FIFO: deduplication id → (expires at, message id, seq).
    pub dedup: HashMap<String, (i64, String, i64)>,
    pub last_purge_ms: Option<i64>,
}

/// What a receive took.
pub struct Taken {
    pub held: Held,
    /// Moved to the dead-letter queue instead of being returned.
    pub to_dead_letter: bool,
}

impl QueueState {
    pub fn new(row: QueueRow) -> QueueState {
        let fifo = row.name.ends_with(".fifo");
        QueueState {
            row,
            fifo,
            messages: HashMap::new(),
            order: BTreeSet::new(),
            dedup: HashMap::new(),
            last_purge_ms: None,
        }
    }

    /// An attribute's value as set, or its default.
    pub fn attribute(&self, name: &str) -> Option<String> {
        self.row
            .attributes
            .get(name)
            .cloned()
            .or_else(|| attributes::default_of(name).map(str::to_string))
    }

    pub fn int_attribute(&self, name: &str) -> i64 {
        self.attribute(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    pub fn redrive(&self) -> Option<RedrivePolicy> {
        self.row
            .attributes
            .get("RedrivePolicy")
            .filter(|v| !v.is_empty())
            .and_then(|v| attributes::redrive_policy(v).ok())
    }

    /// Deduplication ids are per message group (high-throughput FIFO).
    pub fn dedup_per_group(&self) -> bool {
        self.row
            .attributes
            .get("DeduplicationScope")
            .is_some_and(|v| v == "messageGroup")
    }

    pub fn content_based_dedup(&self) -> bool {
        self.row
            .attributes
            .get("ContentBasedDeduplication")
            .is_some_and(|v| v == "true")
    }

    pub fn insert(&mut self, held: Held) {
        self.order
            .insert((held.row.visible_at_ms, held.row.seq, held.row.id.clone()));
        self.messages.insert(held.row.id.clone(), held);
    }

    pub fn remove(&mut self, id: &str) -> Option<Held> {
        let held = self.messages.remove(id)?;
        self.order
            .remove(&(held.row.visible_at_ms, held.row.seq, held.row.id.clone()));
        Some(held)
    }

    /// Makes a message visible at `visible_at_ms`, keeping the order.
    pub fn set_visible_at(&mut self, id: &str, visible_at_ms: i64) {
        if let Some(held) = self.messages.get_mut(id) {
            self.order
                .remove(&(held.row.visible_at_ms, held.row.seq, held.row.id.clone()));
            held.row.visible_at_ms = visible_at_ms;
            self.order
                .insert((visible_at_ms, held.row.seq, held.row.id.clone()));
        }
    }

    /// The earliest time a message that is not visible yet becomes so.
    pub fn next_visible_ms(&self, now_ms: i64) -> Option<i64> {
        self.order
            .iter()
            .map(|(at, _, _)| *at)
            .find(|at| *at > now_ms)
    }

    /// Drops messages older than the retention period.
    pub fn expire(&mut self, now_ms: i64) -> Vec<String> {
        let retention_ms = self.int_attribute("MessageRetentionPeriod") * 1000;
        let old: Vec<String> = self
            .messages
            .values()
            .filter(|h| now_ms - h.row.sent_ms > retention_ms)
            .map(|h| h.row.id.clone())
            .collect();
        for id in &old {
            self.remove(id);
        }
        self.dedup.retain(|_, (expires, _, _)| *expires > now_ms);
        old
    }

    /// Takes up to `max` visible messages for a receive (FIFO: in group
    /// order, skipping groups with a message in flight), marks them
    /// received until `now + visibility`, and says which go to the
    /// dead-letter queue instead (received `maxReceiveCount` times already).
    pub fn take(
        &mut self,
        max: usize,
        visibility_ms: i64,
        now_ms: i64,
        max_receive_count: Option<u32>,
    ) -> Vec<Taken> {
        // FIFO: each group from its head, up to its first message that is
        // not visible (in flight or delayed), groups in order of their
        // oldest message; standard: by when each became visible.
        let candidates: Vec<String> = if self.fifo {
            let mut all: Vec<&Held> = self.messages.values().collect();
            all.sort_by_key(|h| h.row.seq);
            let mut groups: Vec<(String, Vec<String>, bool)> = Vec::new();
            for h in all {
                let g = h.row.group_id.clone().unwrap_or_default();
                let at = match groups.iter().position(|(name, _, _)| *name == g) {
                    Some(i) => i,
                    None => {
                        groups.push((g, Vec::new(), false));
                        groups.len() - 1
                    }
                };
                let (_, ids, stopped) = &mut groups[at];
                if *stopped {
                    continue;
                }
                if h.row.visible_at_ms <= now_ms {
                    ids.push(h.row.id.clone());
                } else {
                    *stopped = true;
                }
            }
            groups.into_iter().flat_map(|(_, ids, _)| ids).collect()
        } else {
            self.order
                .iter()
                .take_while(|(at, _, _)| *at <= now_ms)
                .map(|(_, _, id)| id.clone())
                .collect()
        };
        let mut taken = Vec::new();
        for id in candidates {
            if taken.iter().filter(|t: &&Taken| !t.to_dead_letter).count() >= max {
                break;
            }
            let Some(held) = self.messages.get(&id) else {
                continue;
            };
            if let Some(max_count) = max_receive_count {
                if held.row.receive_count >= max_count {
                    if let Some(held) = self.remove(&id) {
                        taken.push(Taken {
                            held,
                            to_dead_letter: true,
                        });
                    }
                    continue;
                }
            }
            let nonce = rand::random::<u64>();
            let first = held.row.first_receive_ms.unwrap_or(now_ms);
            let count = held.row.receive_count + 1;
            self.set_visible_at(&id, now_ms + visibility_ms);
            if let Some(held) = self.messages.get_mut(&id) {
                held.row.receive_count = count;
                held.row.first_receive_ms = Some(first);
                held.receipt_nonce = nonce;
                taken.push(Taken {
                    held: held.clone(),
                    to_dead_letter: false,
                });
            }
        }
        taken
    }

    /// (visible, in flight, delayed) counts.
    pub fn counts(&self, now_ms: i64) -> (usize, usize, usize) {
        let (mut visible, mut in_flight, mut delayed) = (0, 0, 0);
        for h in self.messages.values() {
            if h.row.visible_at_ms <= now_ms {
                visible += 1;
            } else if h.row.receive_count > 0 {
                in_flight += 1;
            } else {
                delayed += 1;
            }
        }
        (visible, in_flight, delayed)
    }
}

/// The attributes GetQueueAttributes reports, computed ones included.
pub fn all_attributes(q: &QueueState, arn: &str, now_ms: i64) -> BTreeMap<String, String> {
    let (visible, in_flight, delayed) = q.counts(now_ms);
    let mut out = BTreeMap::new();
    out.insert("ApproximateNumberOfMessages".into(), visible.to_string());
    out.insert(
        "ApproximateNumberOfMessagesNotVisible".into(),
        in_flight.to_string(),
    );
    out.insert(
        "ApproximateNumberOfMessagesDelayed".into(),
        delayed.to_string(),
    );
    out.insert("CreatedTimestamp".into(), q.row.created_s.to_string());
    out.insert("LastModifiedTimestamp".into(), q.row.modified_s.to_string());
    out.insert("QueueArn".into(), arn.to_string());
    for name in [
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
        "SqsManagedSseEnabled",
    ] {
        if let Some(v) = q.attribute(name) {
            out.insert(name.into(), v);
        }
    }
    if q.fifo {
        out.insert("FifoQueue".into(), "true".into());
        out.insert(
            "ContentBasedDeduplication".into(),
            q.attribute("ContentBasedDeduplication")
                .unwrap_or_else(|| "false".into()),
        );
        out.insert(
            "DeduplicationScope".into(),
            q.attribute("DeduplicationScope")
                .unwrap_or_else(|| "queue".into()),
        );
        out.insert(
            "FifoThroughputLimit".into(),
            q.attribute("FifoThroughputLimit")
                .unwrap_or_else(|| "perQueue".into()),
        );
    }
    for (k, v) in &q.row.attributes {
        if !out.contains_key(k) && !v.is_empty() && k != "FifoQueue" {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}
