//! The lifecycle timeline of a case as SVG geometry: one bar per run of polls that read the
//! same state, a point per poll, dashed markers for the case's own requests, and the states in
//! order as text. Every number is computed here and every state name stays text for the
//! template to escape; the colours are only a reading aid, never a verdict.

use super::super::contract::Observation;

/// A lifecycle timeline as SVG coordinates; all numbers are computed here, all text escaped.
pub(super) struct Timeline<'a> {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) segments: Vec<Segment<'a>>,
    pub(super) points: Vec<Point<'a>>,
    /// The case's own requests (the restart), drawn as dashed lines over the states.
    pub(super) markers: Vec<Marker>,
    /// The states in order, as text: `REBOOT 1–2005 ms (40 polls)`.
    pub(super) steps: Vec<Step<'a>>,
    pub(super) start_label: String,
    pub(super) end_label: String,
    /// Where the last poll's time is written, under its point.
    pub(super) end_x: String,
    /// `end` near the right edge, so the label stays inside the picture.
    pub(super) end_anchor: &'static str,
    pub(super) axis_y: u32,
}

/// A run of polls that read the same state.
pub(super) struct Segment<'a> {
    pub(super) x: String,
    pub(super) width: String,
    pub(super) label_x: String,
    /// The label is drawn inside the bar only when it fits; the `<title>` always holds it.
    pub(super) show_label: bool,
    pub(super) state: &'a str,
    pub(super) class: &'static str,
    /// `100–1100 ms`, or `from 3100 ms (last poll)` for the final state.
    pub(super) range: String,
}

/// One poll, drawn on the axis and listed in the table under the picture.
pub(super) struct Point<'a> {
    pub(super) cx: String,
    pub(super) at_ms: u64,
    pub(super) state: &'a str,
    pub(super) note: &'a str,
}

/// A request sent during the timeline, such as the restart itself.
pub(super) struct Marker {
    pub(super) x: String,
    pub(super) label: String,
    pub(super) label_x: String,
    pub(super) anchor: &'static str,
}

/// One state of the timeline, as text.
pub(super) struct Step<'a> {
    pub(super) state: &'a str,
    pub(super) class: &'static str,
    /// `0–258 ms (6 polls)` or `309 ms`.
    pub(super) text: String,
}

const TIMELINE_WIDTH: f64 = 720.0;
const TIMELINE_PAD: f64 = 12.0;
/// Roughly the width of one character of the label font, to decide whether a label fits.
const CHAR_WIDTH: f64 = 7.5;
/// Markers closer than this share one label.
const MARKER_GAP: f64 = 90.0;
/// Colours for the distinct states of one timeline that [`state_class`] does not know, in order
/// of appearance.
const STATE_CLASSES: [&str; 4] = ["st-0", "st-1", "st-2", "st-3"];

/// The colour of a well-known state name: green for a steady state, amber for a transition, red
/// for an error. Only a reading aid: the checks decide what is right, never this.
fn state_class(state: &str) -> Option<&'static str> {
    let upper = state.to_ascii_uppercase();
    let has = |words: &[&str]| words.iter().any(|w| upper.contains(w));
    let steady = [
        "ACTIVE",
        "RUNNING",
        "AVAILABLE",
        "NORMAL",
        "ONLINE",
        "READY",
        "HEALTHY",
        "OK",
    ];
    if has(&["ERROR", "FAIL", "FAULT", "ABNORMAL", "BROKEN"]) {
        Some("st-bad")
    } else if steady.contains(&upper.as_str()) {
        // Before the `-ING` rule: RUNNING is steady.
        Some("st-ok")
    } else if has(&["REBOOT", "RESTART", "PENDING", "BUILD", "RESIZ", "MIGRAT"])
        || upper.ends_with("ING")
    {
        Some("st-busy")
    } else {
        None
    }
}

/// The timeline of `observations`, with `requests` (time, purpose) drawn as markers.
pub(super) fn timeline<'a>(
    observations: &'a [Observation],
    requests: &[(u64, &str)],
) -> Option<Timeline<'a>> {
    let mut sorted: Vec<&Observation> = observations.iter().collect();
    sorted.sort_by_key(|o| o.at_ms);
    let scale = Scale::new(&sorted, requests)?;
    let (segments, steps) = runs_of_states(&sorted, &scale);
    let points = sorted
        .iter()
        .map(|o| Point {
            cx: format!("{:.1}", scale.x_of(o.at_ms)),
            at_ms: o.at_ms,
            state: o.state.as_deref().unwrap_or("(no state)"),
            note: &o.note,
        })
        .collect();
    let last_poll = sorted.last()?.at_ms;
    let end_x = scale.x_of(last_poll);
    Some(Timeline {
        width: TIMELINE_WIDTH as u32,
        height: 96,
        segments,
        points,
        markers: markers(requests, &scale),
        steps,
        start_label: format!("{} ms", scale.start),
        end_label: format!("{last_poll} ms"),
        end_x: format!("{end_x:.1}"),
        end_anchor: if end_x > TIMELINE_WIDTH - 60.0 {
            "end"
        } else {
            "middle"
        },
        axis_y: 66,
    })
}

/// Milliseconds to SVG x: from the first poll or request to the last, plus a tail.
struct Scale {
    start: u64,
    /// The last poll or request.
    end: u64,
    /// How long the last state is drawn: one typical poll interval, so it shows as a bar.
    tail: u64,
    px_per_ms: f64,
}

impl Scale {
    fn new(sorted: &[&Observation], requests: &[(u64, &str)]) -> Option<Scale> {
        let first_request = requests.iter().map(|(at, _)| *at).min();
        let last_request = requests.iter().map(|(at, _)| *at).max();
        let start = sorted.first()?.at_ms.min(first_request.unwrap_or(u64::MAX));
        let end = sorted.last()?.at_ms.max(last_request.unwrap_or(0));
        let polls = sorted.len().saturating_sub(1).max(1) as u64;
        let tail = ((end - start) / polls).max(1);
        let span = (end - start + tail) as f64;
        Some(Scale {
            start,
            end,
            tail,
            px_per_ms: (TIMELINE_WIDTH - 2.0 * TIMELINE_PAD) / span,
        })
    }

    fn x_of(&self, at: u64) -> f64 {
        TIMELINE_PAD + (at.saturating_sub(self.start)) as f64 * self.px_per_ms
    }
}

/// One bar segment and one text step per run of polls that saw the same state.
fn runs_of_states<'a>(
    sorted: &[&'a Observation],
    scale: &Scale,
) -> (Vec<Segment<'a>>, Vec<Step<'a>>) {
    let mut distinct: Vec<&str> = Vec::new();
    let mut segments: Vec<Segment<'_>> = Vec::new();
    let mut steps: Vec<Step<'_>> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let state = sorted[i].state.as_deref();
        let j = i + sorted[i..]
            .iter()
            .take_while(|o| o.state.as_deref() == state)
            .count();
        let from_ms = sorted[i].at_ms;
        let to_ms = sorted.get(j).map_or(scale.end + scale.tail, |o| o.at_ms);
        let (label, class) = match state {
            Some(s) => (
                s,
                state_class(s).unwrap_or_else(|| other_state_class(&mut distinct, s)),
            ),
            None => ("(no state)", "st-none"),
        };
        let x = scale.x_of(from_ms);
        let width = (scale.x_of(to_ms) - x).max(1.0);
        segments.push(Segment {
            x: format!("{x:.1}"),
            width: format!("{width:.1}"),
            label_x: format!("{:.1}", x + 4.0),
            show_label: (label.chars().count() as f64) * CHAR_WIDTH + 8.0 <= width,
            state: label,
            class,
            range: match sorted.get(j) {
                Some(next) => format!("{from_ms}–{} ms", next.at_ms),
                None => format!("from {from_ms} ms (last poll)"),
            },
        });
        let until_ms = sorted[j - 1].at_ms;
        steps.push(Step {
            state: label,
            class,
            text: match j - i {
                1 => format!("{from_ms} ms"),
                n => format!("{from_ms}–{until_ms} ms ({n} polls)"),
            },
        });
        i = j;
    }
    (segments, steps)
}

/// The colour of a state [`state_class`] does not know: the next free one, by first appearance.
fn other_state_class<'a>(distinct: &mut Vec<&'a str>, state: &'a str) -> &'static str {
    let index = distinct
        .iter()
        .position(|d| *d == state)
        .unwrap_or_else(|| {
            distinct.push(state);
            distinct.len() - 1
        });
    STATE_CLASSES[index % STATE_CLASSES.len()]
}

/// The requests as markers; requests closer than [`MARKER_GAP`] share one label.
fn markers(requests: &[(u64, &str)], scale: &Scale) -> Vec<Marker> {
    let mut sent: Vec<(u64, &str)> = requests.to_vec();
    sent.sort_by_key(|(at, _)| *at);
    let mut merged: Vec<(f64, String)> = Vec::new();
    for (at, purpose) in sent {
        let x = scale.x_of(at);
        match merged.last_mut() {
            Some((last_x, label)) if x - *last_x < MARKER_GAP => {
                if !label.split(", ").any(|l| l == purpose) {
                    label.push_str(", ");
                    label.push_str(purpose);
                }
            }
            _ => merged.push((x, purpose.to_owned())),
        }
    }
    merged
        .into_iter()
        .map(|(x, label)| {
            let near_end = x + label.chars().count() as f64 * CHAR_WIDTH > TIMELINE_WIDTH;
            Marker {
                x: format!("{x:.1}"),
                label_x: format!("{:.1}", if near_end { x - 3.0 } else { x + 3.0 }),
                anchor: if near_end { "end" } else { "start" },
                label,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Status polls that each read a state, answered 200.
    fn polls(states: &[(u64, &str)]) -> Vec<Observation> {
        states
            .iter()
            .map(|&(at_ms, s)| Observation {
                at_ms,
                state: Some(s.to_owned()),
                note: "200".to_owned(),
            })
            .collect()
    }

    #[test]
    fn timeline_geometry() {
        let obs = polls(&[(0, "A"), (1000, "B"), (2000, "A")]);
        let Some(t) = timeline(&obs, &[]) else {
            panic!("observations give a timeline");
        };
        let xs: Vec<&str> = t.segments.iter().map(|s| s.x.as_str()).collect();
        assert_eq!(xs, ["12.0", "244.0", "476.0"]);
        let classes: Vec<&str> = t.segments.iter().map(|s| s.class).collect();
        assert_eq!(classes, ["st-0", "st-1", "st-0"], "same state, same colour");
        assert_eq!(t.segments[1].range, "1000–2000 ms");
        assert_eq!(t.segments[2].range, "from 2000 ms (last poll)");
        assert_eq!((t.end_x.as_str(), t.end_anchor), ("476.0", "middle"));
        assert!(timeline(&[], &[(0, "restart")]).is_none());
    }

    #[test]
    fn timeline_steps_markers_and_state_colours() {
        let obs = polls(&[
            (5, "ACTIVE"),
            (100, "REBOOT"),
            (200, "REBOOT"),
            (300, "ACTIVE"),
        ]);
        let Some(t) = timeline(
            &obs,
            &[(0, "restart"), (2, "second restart"), (250, "status")],
        ) else {
            panic!("a timeline");
        };
        let steps: Vec<(&str, &str, &str)> = t
            .steps
            .iter()
            .map(|s| (s.state, s.class, s.text.as_str()))
            .collect();
        assert_eq!(
            steps,
            [
                ("ACTIVE", "st-ok", "5 ms"),
                ("REBOOT", "st-busy", "100–200 ms (2 polls)"),
                ("ACTIVE", "st-ok", "300 ms"),
            ]
        );
        // The restart at 0 ms starts the axis; close markers share a label.
        assert_eq!(t.start_label, "0 ms");
        assert_eq!(t.end_label, "300 ms");
        let labels: Vec<&str> = t.markers.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(labels, ["restart, second restart", "status"]);
        assert_eq!(t.markers[0].x, "12.0");
        assert_eq!(t.markers[0].anchor, "start");
        let Some(late) = timeline(&obs, &[(300, "a restart sent at the very end of the run")])
        else {
            panic!("a timeline");
        };
        assert_eq!(
            late.markers[0].anchor, "end",
            "the label stays inside the picture"
        );

        for (state, class) in [
            ("RUNNING", Some("st-ok")),
            ("available", Some("st-ok")),
            ("RESTARTING", Some("st-busy")),
            ("HARD_REBOOT", Some("st-busy")),
            ("ERROR", Some("st-bad")),
            ("ABNORMAL", Some("st-bad")),
            ("FROZEN", None),
        ] {
            assert_eq!(state_class(state), class, "{state}");
        }
    }
}
