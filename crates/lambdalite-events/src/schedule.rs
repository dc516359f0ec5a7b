//! Time-driven events: AWS's schedule expressions (`rate(…)`, `cron(…)`
//! and Scheduler's `at(…)`), when each fires next in its time zone, and
//! the loop that sleeps until a fire is due, once for EventBridge's
//! scheduled rules and EventBridge Scheduler.
//!
//! The rule for fires missed while lambdalite was down: the latest one
//! (only that one) is fired right after start if it is no older than the
//! schedule's window; older ones are dropped. Services record each fire
//! as the time it was due, durably with its deliveries, so a fire is
//! never repeated after a restart.

use std::sync::Arc;
use std::time::Duration;

use chrono::{
    DateTime, Datelike, Duration as Span, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

use crate::BoxFuture;

/// What tells the time: the system clock, or a test's.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Why an expression does not parse (the caller words AWS's message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpressionError(pub String);

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expression {
    /// One time, in the schedule's time zone.
    At(NaiveDateTime),
    /// Every `n` seconds (whole minutes), counted from an anchor.
    Rate(i64),
    Cron(Box<Cron>),
}

/// Whether `at(…)` is accepted (Scheduler) or not (EventBridge rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Rules,
    Scheduler,
}

impl Expression {
    pub fn parse(text: &str, dialect: Dialect) -> Result<Expression, ExpressionError> {
        let bad = |why: &str| ExpressionError(why.to_string());
        // No space inside the parentheses' ends: `rate( 1 hour )` is refused.
        let inner = |prefix: &str| {
            text.strip_prefix(prefix)
                .and_then(|r| r.strip_suffix(')'))
                .filter(|r| r.trim() == *r)
        };
        if let Some(body) = inner("rate(") {
            return parse_rate(body).map(Expression::Rate);
        }
        if let Some(body) = inner("cron(") {
            return Cron::parse(body).map(|c| Expression::Cron(Box::new(c)));
        }
        if dialect == Dialect::Scheduler {
            if let Some(body) = inner("at(") {
                return NaiveDateTime::parse_from_str(body, "%Y-%m-%dT%H:%M:%S")
                    .map(Expression::At)
                    .map_err(|_| bad("at() takes yyyy-mm-ddThh:mm:ss"));
            }
        }
        Err(bad("not a schedule expression"))
    }
}

fn parse_rate(body: &str) -> Result<i64, ExpressionError> {
    let bad = |why: &str| Err(ExpressionError(why.to_string()));
    let mut words = body.split_whitespace();
    let (Some(value), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return bad("rate() takes a value and a unit");
    };
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return bad("the rate's value must be a positive whole number");
    }
    let Ok(n) = value.parse::<i64>() else {
        return bad("the rate's value is too large");
    };
    if n <= 0 {
        return bad("the rate's value must be a positive whole number");
    }
    let (secs, singular) = match unit {
        "minute" => (60, true),
        "minutes" => (60, false),
        "hour" => (3600, true),
        "hours" => (3600, false),
        "day" => (86_400, true),
        "days" => (86_400, false),
        _ => return bad("the rate's unit must be minutes, hours or days"),
    };
    if singular != (n == 1) {
        return bad("a rate of 1 takes a singular unit, any other a plural one");
    }
    n.checked_mul(secs)
        .filter(|s| *s <= 3_153_600_000)
        .ok_or_else(|| ExpressionError("the rate's value is too large".into()))
}

/// A six-field cron expression: minutes, hours, day of month, month,
/// day of week (1 = Sunday), year.
#[derive(Debug, Clone, PartialEq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days: Days,
    months: u16,
    years: Vec<bool>,
}

const FIRST_YEAR: i32 = 1970;
const LAST_YEAR: i32 = 2199;

#[derive(Debug, Clone, PartialEq)]
enum Days {
    /// Day-of-month values (bits 1..=31), weekdays left `?`.
    OfMonth(u32),
    /// The month's last day, `L`, or `L-n`.
    LastOfMonth(u32),
    /// The weekday nearest day `n` (`nW`) of the month.
    NearestWeekday(u32),
    /// The month's last weekday, `LW`.
    LastWeekday,
    /// Day-of-week values (bits 1..=7), day of month left `?`.
    OfWeek(u8),
    /// The month's last such weekday, `nL`.
    LastOfWeek(u32),
    /// The `k`th such weekday of the month, `n#k`.
    NthOfWeek(u32, u32),
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Cron {
    pub fn parse(body: &str) -> Result<Cron, ExpressionError> {
        let fields: Vec<&str> = body.split_whitespace().collect();
        let [min, hour, dom, month, dow, year] = fields[..] else {
            return Err(ExpressionError("cron() takes six fields".into()));
        };
        let minutes = values(min, 0, 59, &[])?;
        let hours = values(hour, 0, 23, &[])?;
        let months = values(month, 1, 12, &MONTHS)?;
        let years = values_vec(year, FIRST_YEAR as u32, LAST_YEAR as u32, &[])?;
        let days = match (dom, dow) {
            ("?", "?") => return Err(ExpressionError("one of the day fields must be ?".into())),
            (d, "?") => day_of_month(d)?,
            ("?", w) => day_of_week(w)?,
            _ => {
                return Err(ExpressionError(
                    "day of month and day of week cannot both be set".into(),
                ))
            }
        };
        Ok(Cron {
            minutes: minutes as u64,
            hours: hours as u32,
            days,
            months: months as u16,
            years,
        })
    }

    fn day_matches(&self, d: NaiveDate) -> bool {
        let last = last_day(d.year(), d.month());
        let weekday = d.weekday().num_days_from_sunday() + 1;
        match &self.days {
            Days::OfMonth(bits) => bits & (1 << d.day()) != 0,
            Days::LastOfMonth(offset) => last.saturating_sub(*offset).max(1) == d.day(),
            Days::NearestWeekday(n) => nearest_weekday(d.year(), d.month(), *n) == d.day(),
            Days::LastWeekday => nearest_weekday(d.year(), d.month(), last) == d.day(),
            Days::OfWeek(bits) => bits & (1 << weekday) != 0,
            Days::LastOfWeek(w) => *w == weekday && d.day() + 7 > last,
            Days::NthOfWeek(w, k) => *w == weekday && (d.day() - 1) / 7 + 1 == *k,
        }
    }

    /// The first matching minute strictly after `after` (local time).
    pub fn next_after(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        let start = after.with_second(0)?.with_nanosecond(0)? + Span::minutes(1);
        let mut date = start.date();
        let mut first_day = true;
        while date.year() <= LAST_YEAR {
            let y = date.year();
            if y < FIRST_YEAR || !self.years[(y - FIRST_YEAR) as usize] {
                date = NaiveDate::from_ymd_opt(y + 1, 1, 1)?;
                first_day = false;
                continue;
            }
            if self.months & (1 << date.month()) == 0 {
                let (ny, nm) = if date.month() == 12 {
                    (y + 1, 1)
                } else {
                    (y, date.month() + 1)
                };
                date = NaiveDate::from_ymd_opt(ny, nm, 1)?;
                first_day = false;
                continue;
            }
            if self.day_matches(date) {
                let (h0, m0) = if first_day {
                    (start.hour(), start.minute())
                } else {
                    (0, 0)
                };
                for h in h0..24 {
                    if self.hours & (1 << h) == 0 {
                        continue;
                    }
                    let from = if first_day && h == h0 { m0 } else { 0 };
                    for m in from..60 {
                        if self.minutes & (1 << m) != 0 {
                            return date.and_hms_opt(h, m, 0);
                        }
                    }
                }
            }
            date = date.succ_opt()?;
            first_day = false;
        }
        None
    }
}

fn last_day(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

/// The weekday nearest day `n` of the month, not leaving the month.
fn nearest_weekday(year: i32, month: u32, n: u32) -> u32 {
    let last = last_day(year, month);
    let n = n.min(last);
    let Some(d) = NaiveDate::from_ymd_opt(year, month, n) else {
        return n;
    };
    match d.weekday().num_days_from_sunday() {
        // Saturday: Friday, or Monday when the 1st is a Saturday.
        6 if n == 1 => n + 2,
        6 => n - 1,
        // Sunday: Monday, or Friday when it is the month's last day.
        0 if n == last => n - 2,
        0 => n + 1,
        _ => n,
    }
}

fn number(s: &str, lo: u32, hi: u32, names: &[&str]) -> Result<u32, ExpressionError> {
    let upper = s.to_ascii_uppercase();
    if let Some(i) = names.iter().position(|n| *n == upper) {
        return Ok(i as u32 + lo);
    }
    match s.parse::<u32>() {
        Ok(n) if (lo..=hi).contains(&n) && s.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(ExpressionError(format!("{s} is out of range {lo}-{hi}"))),
    }
}

/// A field's values as a list: `*`, `a`, `a-b`, each with an optional
/// `/step`, separated by commas.
fn values_vec(field: &str, lo: u32, hi: u32, names: &[&str]) -> Result<Vec<bool>, ExpressionError> {
    let mut set = vec![false; (hi - lo + 1) as usize];
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let step = s
                    .parse::<u32>()
                    .ok()
                    .filter(|s| *s > 0 && *s <= hi)
                    .ok_or_else(|| ExpressionError(format!("bad step {s}")))?;
                (r, step)
            }
            None => (item, 1),
        };
        let (a, b) = match range {
            "*" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (number(a, lo, hi, names)?, number(b, lo, hi, names)?),
                None => {
                    let a = number(r, lo, hi, names)?;
                    (a, if step > 1 { hi } else { a })
                }
            },
        };
        if a > b {
            return Err(ExpressionError(format!("{range} is not a range")));
        }
        let mut v = a;
        while v <= b {
            set[(v - lo) as usize] = true;
            v += step;
        }
    }
    Ok(set)
}

/// The same as bits, value `v` at bit `v`.
fn values(field: &str, lo: u32, hi: u32, names: &[&str]) -> Result<u128, ExpressionError> {
    let set = values_vec(field, lo, hi, names)?;
    Ok(set
        .iter()
        .enumerate()
        .filter(|(_, on)| **on)
        .fold(0u128, |acc, (i, _)| acc | (1u128 << (i as u32 + lo))))
}

fn day_of_month(field: &str) -> Result<Days, ExpressionError> {
    let upper = field.to_ascii_uppercase();
    if upper == "L" {
        return Ok(Days::LastOfMonth(0));
    }
    if upper == "LW" {
        return Ok(Days::LastWeekday);
    }
    if let Some(off) = upper.strip_prefix("L-") {
        return number(off, 1, 30, &[]).map(Days::LastOfMonth);
    }
    if let Some(n) = upper.strip_suffix('W') {
        return number(n, 1, 31, &[]).map(Days::NearestWeekday);
    }
    values(field, 1, 31, &[]).map(|b| Days::OfMonth(b as u32))
}

fn day_of_week(field: &str) -> Result<Days, ExpressionError> {
    let upper = field.to_ascii_uppercase();
    if upper == "L" {
        return Ok(Days::LastOfWeek(7));
    }
    if let Some(w) = upper.strip_suffix('L') {
        return number(w, 1, 7, &WEEKDAYS).map(Days::LastOfWeek);
    }
    if let Some((w, k)) = upper.split_once('#') {
        let w = number(w, 1, 7, &WEEKDAYS)?;
        let k = number(k, 1, 5, &[])?;
        return Ok(Days::NthOfWeek(w, k));
    }
    values(field, 1, 7, &WEEKDAYS).map(|b| Days::OfWeek(b as u8))
}

/// An expression with what it needs to tell its fire times.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub expression: Expression,
    pub zone: Tz,
    /// Where a rate counts from (the rule's creation, the schedule's
    /// start date).
    pub anchor: DateTime<Utc>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl Schedule {
    pub fn utc(expression: Expression, anchor: DateTime<Utc>) -> Schedule {
        Schedule {
            expression,
            zone: Tz::UTC,
            anchor,
            start: None,
            end: None,
        }
    }

    /// The first fire strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let after = match self.start {
            // The first fire may be at the start date itself.
            Some(s) if s > after => s - Span::milliseconds(1),
            _ => after,
        };
        let t = match &self.expression {
            Expression::At(local) => {
                let t = self.local_to_utc(*local)?;
                (t > after).then_some(t)?
            }
            Expression::Rate(secs) => {
                let period = Span::seconds(*secs);
                if after < self.anchor {
                    self.anchor
                } else {
                    let elapsed = (after - self.anchor).num_milliseconds();
                    let k = elapsed / period.num_milliseconds() + 1;
                    self.anchor + period * (k as i32)
                }
            }
            Expression::Cron(cron) => {
                let mut local = after.with_timezone(&self.zone).naive_local();
                loop {
                    let next = cron.next_after(local)?;
                    if let Some(t) = self.local_to_utc(next) {
                        if t > after {
                            break t;
                        }
                    }
                    local = next;
                }
            }
        };
        match self.end {
            Some(end) if t > end => None,
            _ => Some(t),
        }
    }

    fn local_to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        self.zone
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The latest fire after `after` and at or before `now`, if any.
    pub fn latest_due(&self, after: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if let Expression::Rate(secs) = &self.expression {
            // Straight to the last period boundary before now.
            let first = self.next_after(after).filter(|t| *t <= now)?;
            let period = Span::seconds(*secs).num_milliseconds();
            let k = (now - first).num_milliseconds() / period;
            let t = first + Span::milliseconds(k * period);
            return match self.end {
                Some(end) if t > end => self.latest_due(after, end),
                _ => Some(t),
            };
        }
        let mut latest = None;
        let mut cursor = after;
        // Minute crons missed over a long stop: bounded, then the rest
        // is skipped (only the latest is fired anyway).
        for _ in 0..600_000 {
            match self.next_after(cursor) {
                Some(t) if t <= now => {
                    latest = Some(t);
                    cursor = t;
                }
                _ => break,
            }
        }
        latest
    }
}

/// What a schedule's loop calls at each fire: the time it was due. It
/// answers whether the fire was recorded (false: stop the loop).
pub type Fire = Arc<dyn Fn(DateTime<Utc>) -> BoxFuture<'static, bool> + Send + Sync>;

/// The running loops of one service's schedules, by key.
pub struct Timers {
    clock: Arc<dyn Clock>,
    running: std::sync::Mutex<std::collections::HashMap<String, tokio::sync::watch::Sender<bool>>>,
}

impl Timers {
    pub fn new(clock: Arc<dyn Clock>) -> Timers {
        Timers {
            clock,
            running: Default::default(),
        }
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<String, tokio::sync::watch::Sender<bool>>,
    > {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `schedule` under `key` (in place of what ran there), from its
    /// last fire `last` (see [`run`]).
    pub fn start(
        &self,
        key: &str,
        schedule: Schedule,
        last: DateTime<Utc>,
        window: Duration,
        fire: Fire,
    ) {
        let (tx, rx) = tokio::sync::watch::channel(false);
        if let Some(old) = self.lock().insert(key.to_string(), tx) {
            let _ = old.send(true);
        }
        tokio::spawn(run(self.clock.clone(), schedule, last, window, fire, rx));
    }

    /// Stops the loop under `key`, if one runs.
    pub fn stop(&self, key: &str) {
        if let Some(tx) = self.lock().remove(key) {
            let _ = tx.send(true);
        }
    }
}

/// Runs one schedule until it has no more fires or `stop` turns true.
/// `last` is the last fire recorded (or the time the schedule was made);
/// a fire missed by more than `window` is dropped, the latest missed one
/// within it fired once.
pub async fn run(
    clock: Arc<dyn Clock>,
    schedule: Schedule,
    mut last: DateTime<Utc>,
    window: Duration,
    fire: Fire,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let window = Span::from_std(window).unwrap_or(Span::days(1));
    loop {
        if *stop.borrow() {
            return;
        }
        let now = clock.now();
        let due = match schedule.latest_due(last, now) {
            // Missed (or just due): the latest only, if young enough.
            Some(t) if now - t <= window => Some(t),
            Some(t) => {
                tracing::info!(missed = %t, "a scheduled fire older than its window was dropped");
                last = t;
                None
            }
            None => None,
        };
        if let Some(t) = due {
            if !fire(t).await {
                return;
            }
            last = t;
            continue;
        }
        let Some(next) = schedule.next_after(last.max(now)) else {
            return;
        };
        // Sleep in short steps so a changed wall clock is noticed.
        let wait = (next - clock.now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(Duration::from_secs(5));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn cron(s: &str) -> Schedule {
        Schedule::utc(
            Expression::parse(s, Dialect::Rules).unwrap(),
            utc("2026-01-01T00:00:00Z"),
        )
    }

    fn fires(s: &Schedule, from: &str, n: usize) -> Vec<String> {
        let mut t = utc(from);
        let mut out = Vec::new();
        for _ in 0..n {
            t = s.next_after(t).unwrap();
            out.push(t.format("%Y-%m-%dT%H:%M").to_string());
        }
        out
    }

    #[test]
    fn rates_are_words_aws_accepts() {
        for ok in [
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(1 hour)",
            "rate(2 days)",
        ] {
            assert!(Expression::parse(ok, Dialect::Rules).is_ok(), "{ok}");
        }
        for bad in [
            "rate(1 minutes)",
            "rate(2 minute)",
            "rate(0 minutes)",
            "rate(-1 minutes)",
            "rate(1.5 hours)",
            "rate(5 seconds)",
            "rate(5minutes)",
            "rate()",
            "rate 5 minutes",
        ] {
            assert!(Expression::parse(bad, Dialect::Rules).is_err(), "{bad}");
        }
    }

    #[test]
    fn cron_needs_six_fields_and_one_question_mark() {
        for bad in [
            "cron(* * * * *)",
            "cron(0 12 * * * *)",
            "cron(0 12 ? * ? *)",
            "cron(60 * * * ? *)",
            "cron(0 24 * * ? *)",
            "cron(0 0 32 * ? *)",
            "cron(0 0 ? * 8 *)",
            "cron(0 0 * 13 ? *)",
            "cron(0 0 * * ? 1969)",
        ] {
            assert!(Expression::parse(bad, Dialect::Rules).is_err(), "{bad}");
        }
        assert!(Expression::parse("at(2026-01-01T00:00:00)", Dialect::Rules).is_err());
        assert!(Expression::parse("at(2026-01-01T00:00:00)", Dialect::Scheduler).is_ok());
    }

    #[test]
    fn cron_fires_on_its_minutes() {
        assert_eq!(
            fires(&cron("cron(0/15 * * * ? *)"), "2026-03-01T10:07:30Z", 3),
            ["2026-03-01T10:15", "2026-03-01T10:30", "2026-03-01T10:45"]
        );
        assert_eq!(
            fires(&cron("cron(0 10 ? * MON-FRI *)"), "2026-03-06T10:00:00Z", 2),
            ["2026-03-09T10:00", "2026-03-10T10:00"]
        );
        assert_eq!(
            fires(&cron("cron(15 12 * * ? *)"), "2026-03-01T12:15:00Z", 1),
            ["2026-03-02T12:15"]
        );
        // The last day of February, then of March.
        assert_eq!(
            fires(&cron("cron(0 0 L * ? *)"), "2026-02-01T00:00:00Z", 2),
            ["2026-02-28T00:00", "2026-03-31T00:00"]
        );
        // The second Tuesday; the last Friday.
        assert_eq!(
            fires(&cron("cron(0 9 ? * 3#2 *)"), "2026-03-01T00:00:00Z", 1),
            ["2026-03-10T09:00"]
        );
        assert_eq!(
            fires(&cron("cron(0 9 ? * 6L *)"), "2026-03-01T00:00:00Z", 1),
            ["2026-03-27T09:00"]
        );
        // The weekday nearest the 1st when it is a Sunday (2026-03-01).
        assert_eq!(
            fires(&cron("cron(0 9 1W * ? *)"), "2026-02-28T00:00:00Z", 1),
            ["2026-03-02T09:00"]
        );
        // Years end.
        assert!(cron("cron(0 0 1 1 ? 2026)")
            .next_after(utc("2026-06-01T00:00:00Z"))
            .is_none());
        assert_eq!(
            fires(
                &cron("cron(0 0 1 JAN ? 2030-2031)"),
                "2026-06-01T00:00:00Z",
                2
            ),
            ["2030-01-01T00:00", "2031-01-01T00:00"]
        );
    }

    #[test]
    fn cron_in_a_time_zone_follows_its_clock() {
        let mut s = cron("cron(0 9 * * ? *)");
        s.zone = "America/New_York".parse().unwrap();
        // 09:00 EST is 14:00 UTC; after the March change, 13:00 UTC.
        assert_eq!(
            fires(&s, "2026-03-07T00:00:00Z", 2),
            ["2026-03-07T14:00", "2026-03-08T13:00"]
        );
    }

    #[test]
    fn rates_count_from_their_anchor_and_stop_at_the_end() {
        let mut s = Schedule::utc(
            Expression::parse("rate(5 minutes)", Dialect::Rules).unwrap(),
            utc("2026-01-01T00:00:10Z"),
        );
        assert_eq!(
            s.next_after(utc("2026-01-01T00:07:00Z")),
            Some(utc("2026-01-01T00:10:10Z"))
        );
        assert_eq!(
            s.latest_due(utc("2026-01-01T00:00:10Z"), utc("2026-01-01T01:00:00Z")),
            Some(utc("2026-01-01T00:55:10Z"))
        );
        s.end = Some(utc("2026-01-01T00:12:00Z"));
        assert_eq!(s.next_after(utc("2026-01-01T00:10:10Z")), None);
    }

    #[test]
    fn at_fires_once_and_start_dates_hold_back() {
        let s = Schedule {
            expression: Expression::parse("at(2026-05-01T12:00:00)", Dialect::Scheduler).unwrap(),
            zone: "Europe/Paris".parse().unwrap(),
            anchor: utc("2026-01-01T00:00:00Z"),
            start: None,
            end: None,
        };
        let t = s.next_after(utc("2026-01-01T00:00:00Z")).unwrap();
        assert_eq!(t, utc("2026-05-01T10:00:00Z"));
        assert_eq!(s.next_after(t), None);
        let mut c = cron("cron(0 * * * ? *)");
        c.start = Some(utc("2026-02-01T00:00:00Z"));
        assert_eq!(
            c.next_after(utc("2026-01-01T05:30:00Z")),
            Some(utc("2026-02-01T00:00:00Z"))
        );
    }

    /// Time as tokio's (paused) clock tells it, from a fixed start.
    struct TestClock {
        start: DateTime<Utc>,
        at: tokio::time::Instant,
    }

    impl Clock for TestClock {
        fn now(&self) -> DateTime<Utc> {
            self.start + Span::from_std(self.at.elapsed()).unwrap()
        }
    }

    /// The fires a test saw.
    type Fired = Arc<Mutex<Vec<DateTime<Utc>>>>;

    fn recorder() -> (Fire, Fired, Arc<TestClock>) {
        let clock = Arc::new(TestClock {
            start: utc("2026-01-01T00:00:30Z"),
            at: tokio::time::Instant::now(),
        });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s, c) = (seen.clone(), clock.clone());
        let fire: Fire = Arc::new(move |due| {
            let (s, c) = (s.clone(), c.clone());
            Box::pin(async move {
                // Fired within a second of its time.
                let late = c.now() - due;
                assert!(late >= Span::zero() && late < Span::seconds(1), "{late}");
                s.lock().unwrap().push(due);
                true
            })
        });
        (fire, seen, clock)
    }

    #[tokio::test(start_paused = true)]
    async fn a_minute_rate_fires_on_time_every_minute() {
        let (fire, seen, clock) = recorder();
        let s = Schedule::utc(Expression::Rate(60), utc("2026-01-01T00:00:00Z"));
        let (tx, rx) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(run(
            clock,
            s,
            utc("2026-01-01T00:00:00Z"),
            Duration::from_secs(3600),
            fire,
            rx,
        ));
        tokio::time::sleep(Duration::from_secs(200)).await;
        tx.send(true).unwrap();
        task.await.unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            [
                utc("2026-01-01T00:01:00Z"),
                utc("2026-01-01T00:02:00Z"),
                utc("2026-01-01T00:03:00Z")
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn missed_fires_are_fired_once_within_the_window() {
        // Last recorded at 23:00 the day before; now 00:00:30: 59 missed
        // minute fires, the latest (00:00) fired once, then on time.
        let (fire, seen, clock) = recorder();
        let s = Schedule::utc(Expression::Rate(60), utc("2025-12-31T00:00:00Z"));
        let (tx, rx) = tokio::sync::watch::channel(false);
        let fire_late: Fire = {
            let seen = seen.clone();
            let inner = fire.clone();
            Arc::new(move |due| {
                let (seen, inner) = (seen.clone(), inner.clone());
                Box::pin(async move {
                    if due == utc("2026-01-01T00:00:00Z") {
                        seen.lock().unwrap().push(due);
                        return true;
                    }
                    inner(due).await
                })
            })
        };
        let task = tokio::spawn(run(
            clock,
            s.clone(),
            utc("2025-12-31T23:00:00Z"),
            Duration::from_secs(3600),
            fire_late,
            rx,
        ));
        tokio::time::sleep(Duration::from_secs(45)).await;
        tx.send(true).unwrap();
        task.await.unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            [utc("2026-01-01T00:00:00Z"), utc("2026-01-01T00:01:00Z")]
        );
        // Too old for the window: dropped, and the next is on time.
        let (fire, seen, clock) = recorder();
        let (tx, rx) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(run(
            clock,
            s,
            utc("2025-12-31T23:00:00Z"),
            Duration::from_secs(10),
            fire,
            rx,
        ));
        tokio::time::sleep(Duration::from_secs(45)).await;
        tx.send(true).unwrap();
        task.await.unwrap();
        assert_eq!(*seen.lock().unwrap(), [utc("2026-01-01T00:01:00Z")]);
    }
}
