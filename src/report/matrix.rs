//! The conformance matrix: APIs down, rule groups across, shared by the HTML and Markdown pages.
//!
//! A cell is derived from the *checks*, not from case outcomes: a failing success-path case may
//! still have a valid body schema, and the matrix should say which rule broke. [`column_for`] is
//! the one place that decides which column a check counts in. Cases that produced no check —
//! skipped cases and transport errors — still count, in the column of their case group, so an
//! unreachable API does not look clean.

use std::collections::BTreeSet;

use super::contract::{CaseOutcome, CaseReport, CheckId, CheckOutcome, Group, Report};

/// A rule group of the matrix, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    SuccessResponse,
    BodySchema,
    NegativeCases,
    Auth,
    Lifecycle,
    ErrorBodies,
}

impl Column {
    /// Every column, in display order.
    pub const ALL: [Column; 6] = [
        Column::SuccessResponse,
        Column::BodySchema,
        Column::NegativeCases,
        Column::Auth,
        Column::Lifecycle,
        Column::ErrorBodies,
    ];

    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            Column::SuccessResponse => "success response",
            Column::BodySchema => "body schema",
            Column::NegativeCases => "negative cases",
            Column::Auth => "auth",
            Column::Lifecycle => "lifecycle",
            Column::ErrorBodies => "error bodies",
        }
    }

    /// A short machine-friendly name, used in HTML attributes.
    pub fn key(self) -> &'static str {
        match self {
            Column::SuccessResponse => "success",
            Column::BodySchema => "schema",
            Column::NegativeCases => "negative",
            Column::Auth => "auth",
            Column::Lifecycle => "lifecycle",
            Column::ErrorBodies => "errors",
        }
    }

    fn index(self) -> usize {
        match self {
            Column::SuccessResponse => 0,
            Column::BodySchema => 1,
            Column::NegativeCases => 2,
            Column::Auth => 3,
            Column::Lifecycle => 4,
            Column::ErrorBodies => 5,
        }
    }
}

/// The column a check counts in, from the case's group and the check id; `None` leaves it out.
///
/// The order of the arms is the precedence: an error body is judged as an error body in any
/// case; every other check of a negative or auth case belongs to that column, whatever it checks.
/// Status and content-type checks of lifecycle cases are left out on purpose: the restart request
/// there is a means to observe the lifecycle, and the success-path cases already judge it.
pub fn column_for(group: Group, check: &CheckId) -> Option<Column> {
    use CheckId as C;
    match (group, check) {
        (_, C::BodyErrorShape) => Some(Column::ErrorBodies),
        (Group::Negative, _) => Some(Column::NegativeCases),
        (Group::Auth, _) => Some(Column::Auth),
        (
            _,
            C::LifecycleRestartingSeen | C::LifecycleSteadyReached | C::RestartConcurrentRefused,
        ) => Some(Column::Lifecycle),
        (_, C::Promise(_)) if check.family() == "restart" => Some(Column::Lifecycle),
        (_, C::BodySchema | C::BodyExample) => Some(Column::BodySchema),
        (
            Group::Success | Group::Concurrency,
            C::StatusExpected
            | C::StatusPreferred
            | C::StatusDocumented
            | C::ContentTypeJson
            | C::BodyEmpty,
        ) => Some(Column::SuccessResponse),
        (_, C::Transport | C::Promise(_)) => None,
    }
}

/// The column where a case without checks (skipped, or stopped by a transport error) counts.
pub fn column_for_group(group: Group) -> Column {
    match group {
        Group::Success | Group::Concurrency => Column::SuccessResponse,
        Group::Negative => Column::NegativeCases,
        Group::Auth => Column::Auth,
    }
}

/// What one (API, rule group) pair saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    /// Checks, by outcome.
    pub passed: usize,
    pub failed: usize,
    pub warning: usize,
    pub not_verifiable: usize,
    /// Skipped cases that would have counted here.
    pub skipped: usize,
    /// Cases stopped by a transport error that would have counted here.
    pub errored: usize,
}

/// The colour of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellState {
    Failed,
    Warning,
    Passed,
    /// Something was planned here, but nothing could be judged.
    Skipped,
    /// No case of this API touches this rule group.
    Empty,
}

impl CellState {
    /// Also the CSS class of the cell.
    pub fn as_str(self) -> &'static str {
        match self {
            CellState::Failed => "failed",
            CellState::Warning => "warning",
            CellState::Passed => "passed",
            CellState::Skipped => "skipped",
            CellState::Empty => "empty",
        }
    }
}

impl Cell {
    pub fn state(&self) -> CellState {
        if self.failed > 0 || self.errored > 0 {
            CellState::Failed
        } else if self.warning > 0 {
            CellState::Warning
        } else if self.passed > 0 {
            CellState::Passed
        } else if self.not_verifiable > 0 || self.skipped > 0 {
            CellState::Skipped
        } else {
            CellState::Empty
        }
    }

    /// The non-zero counts, worst first: `1 failed · 3 passed`.
    pub fn counts_text(&self) -> String {
        let parts = self.counts();
        if parts.is_empty() {
            "–".to_owned()
        } else {
            parts.join(" · ")
        }
    }

    /// The non-zero counts, worst first: `["1 failed", "2 warnings", "3 passed"]`.
    pub fn counts(&self) -> Vec<String> {
        let warning = if self.warning == 1 {
            "warning"
        } else {
            "warnings"
        };
        [
            (self.errored, "errored"),
            (self.failed, "failed"),
            (self.warning, warning),
            (self.passed, "passed"),
            (self.not_verifiable, "not verifiable"),
            (self.skipped, "skipped"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, label)| format!("{n} {label}"))
        .collect()
    }

    fn add(&mut self, other: &Cell) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.warning += other.warning;
        self.not_verifiable += other.not_verifiable;
        self.skipped += other.skipped;
        self.errored += other.errored;
    }

    fn add_check(&mut self, outcome: CheckOutcome) {
        match outcome {
            CheckOutcome::Passed => self.passed += 1,
            CheckOutcome::Failed => self.failed += 1,
            CheckOutcome::Warning => self.warning += 1,
            CheckOutcome::NotVerifiable => self.not_verifiable += 1,
        }
    }
}

/// One API's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixRow {
    pub api: String,
    /// One cell per [`Column::ALL`] entry, in that order.
    pub cells: [Cell; 6],
}

impl MatrixRow {
    pub fn cell(&self, column: Column) -> &Cell {
        &self.cells[column.index()]
    }

    /// The cells paired with their columns, in display order.
    pub fn columns(&self) -> impl Iterator<Item = (Column, &Cell)> {
        Column::ALL.into_iter().zip(self.cells.iter())
    }
}

/// The whole matrix, rows in order of each API's first case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    pub rows: Vec<MatrixRow>,
}

impl Matrix {
    pub fn build(report: &Report) -> Matrix {
        let mut rows: Vec<MatrixRow> = Vec::new();
        for case in &report.cases {
            let index = match rows.iter().position(|r| r.api == case.api) {
                Some(i) => i,
                None => {
                    rows.push(MatrixRow {
                        api: case.api.clone(),
                        cells: [Cell::default(); 6],
                    });
                    rows.len() - 1
                }
            };
            add_case(&mut rows[index], case);
        }
        Matrix { rows }
    }

    pub fn row(&self, api: &str) -> Option<&MatrixRow> {
        self.rows.iter().find(|r| r.api == api)
    }
}

fn add_case(row: &mut MatrixRow, case: &CaseReport) {
    for (sum, cell) in row.cells.iter_mut().zip(case_cells(case)) {
        sum.add(&cell);
    }
}

/// What one case contributes to each column of its API's row, in [`Column::ALL`] order.
///
/// The page uses it to link a red or yellow cell to the first case that made it so.
pub fn case_cells(case: &CaseReport) -> [Cell; 6] {
    let mut cells = [Cell::default(); 6];
    let mut touched = BTreeSet::new();
    touched.insert(column_for_group(case.group));
    match case.outcome {
        // A skipped case's checks, if any, were never judged: count the case, not its checks.
        CaseOutcome::Skipped => {
            touched.extend(
                case.checks
                    .iter()
                    .filter_map(|k| column_for(case.group, &k.id)),
            );
            for column in touched {
                cells[column.index()].skipped += 1;
            }
        }
        CaseOutcome::Errored => {
            for check in &case.checks {
                if let Some(column) = column_for(case.group, &check.id) {
                    cells[column.index()].add_check(check.outcome);
                    touched.insert(column);
                }
            }
            for column in touched {
                cells[column.index()].errored += 1;
            }
        }
        CaseOutcome::Passed | CaseOutcome::Failed => {
            for check in &case.checks {
                if let Some(column) = column_for(case.group, &check.id) {
                    cells[column.index()].add_check(check.outcome);
                }
            }
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn column_for_maps_check_ids_and_groups() {
        use Column::*;
        use Group::{Auth as GAuth, Concurrency, Negative, Success};
        let id = CheckId::parse;
        let table: &[(Group, CheckId, Option<Column>)] = &[
            (Success, id("status.expected"), Some(SuccessResponse)),
            (Success, id("status.documented"), Some(SuccessResponse)),
            (Concurrency, id("status.expected"), Some(SuccessResponse)),
            (Success, id("content_type.json"), Some(SuccessResponse)),
            (Success, id("body.empty"), Some(SuccessResponse)),
            (Success, id("body.schema"), Some(BodySchema)),
            (Success, id("body.example"), Some(BodySchema)),
            (Concurrency, id("body.schema"), Some(BodySchema)),
            (Negative, id("status.expected"), Some(NegativeCases)),
            (Negative, id("body.schema"), Some(NegativeCases)),
            (Negative, id("body.error_shape"), Some(ErrorBodies)),
            (GAuth, id("status.expected"), Some(Auth)),
            (GAuth, id("body.error_shape"), Some(ErrorBodies)),
            (Success, id("body.error_shape"), Some(ErrorBodies)),
            (Success, id("lifecycle.restarting_seen"), Some(Lifecycle)),
            (Success, id("lifecycle.steady_reached"), Some(Lifecycle)),
            (
                Concurrency,
                id("restart.concurrent_refused"),
                Some(Lifecycle),
            ),
            (Success, id("restart.type_effect"), Some(Lifecycle)),
            (Success, id("something.else"), None),
            (Success, id("transport"), None),
        ];
        for (group, check, expected) in table {
            assert_eq!(
                column_for(*group, check),
                *expected,
                "group {group:?}, check {check}"
            );
        }
    }

    #[test]
    fn cell_state_precedence() {
        let cell = |passed, failed, warning, not_verifiable, skipped, errored| Cell {
            passed,
            failed,
            warning,
            not_verifiable,
            skipped,
            errored,
        };
        assert_eq!(cell(3, 1, 1, 0, 1, 0).state(), CellState::Failed);
        assert_eq!(cell(3, 0, 0, 0, 0, 1).state(), CellState::Failed);
        assert_eq!(cell(3, 0, 1, 0, 1, 0).state(), CellState::Warning);
        assert_eq!(cell(3, 0, 0, 1, 1, 0).state(), CellState::Passed);
        assert_eq!(cell(0, 0, 0, 1, 0, 0).state(), CellState::Skipped);
        assert_eq!(cell(0, 0, 0, 0, 2, 0).state(), CellState::Skipped);
        assert_eq!(Cell::default().state(), CellState::Empty);
        assert_eq!(cell(3, 1, 0, 0, 0, 0).counts_text(), "1 failed · 3 passed");
        assert_eq!(Cell::default().counts_text(), "–");
        assert_eq!(
            cell(1, 0, 2, 1, 0, 0).counts(),
            ["2 warnings", "1 passed", "1 not verifiable"]
        );
        assert_eq!(cell(0, 0, 1, 0, 0, 0).counts_text(), "1 warning");
    }

    #[test]
    fn sample_matrix() {
        let matrix = Matrix::build(&sample::report());
        let apis: Vec<_> = matrix.rows.iter().map(|r| r.api.as_str()).collect();
        assert_eq!(apis, ["ecs", "ddm", "clouddb"], "order of first appearance");

        let state = |api: &str, column: Column| {
            matrix
                .row(api)
                .map(|r| r.cell(column).state())
                .unwrap_or(CellState::Empty)
        };
        assert_eq!(state("ecs", Column::SuccessResponse), CellState::Passed);
        assert_eq!(state("ecs", Column::BodySchema), CellState::Failed);
        assert_eq!(state("ecs", Column::Lifecycle), CellState::Passed);
        assert_eq!(state("ecs", Column::NegativeCases), CellState::Empty);
        assert_eq!(state("ddm", Column::NegativeCases), CellState::Passed);
        assert_eq!(state("ddm", Column::ErrorBodies), CellState::Warning);
        assert_eq!(state("ddm", Column::Auth), CellState::Failed);
        assert_eq!(
            state("clouddb", Column::SuccessResponse),
            CellState::Skipped
        );

        let ecs = matrix.row("ecs").map(|r| *r.cell(Column::SuccessResponse));
        // reboot_soft: status, content type, empty body; reboot_hard: status; the
        // lifecycle case: its restart status.
        assert_eq!(ecs.map(|c| c.passed), Some(5));
        let schema = matrix.row("ecs").map(|r| *r.cell(Column::BodySchema));
        assert_eq!(schema.map(|c| (c.failed, c.warning)), Some((1, 1)));
        let auth = matrix.row("ddm").map(|r| *r.cell(Column::Auth));
        assert_eq!(auth.map(|c| c.errored), Some(1));
    }
}
