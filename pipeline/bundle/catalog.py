"""The catalogue of the results bundle: every table, what it holds, its columns, and whether it
is personal (names, contacts or answers as written: never read by a report) or belongs to a
program part (present only when the study declares that part).

Writers and readers take the list of tables from here and nowhere else; a test checks that the
bundles of the bundled studies have exactly these columns (``tests/bundle/test_catalog.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TABLES", "TableSpec", "design_tables", "part_tables", "public_tables"]


@dataclass(frozen=True)
class TableSpec:
    """One bundle table.

    Attributes
    ----------
    name
        The file stem: ``<name>.csv`` and ``<name>.parquet``.
    description
        What one row is, in a few words.
    columns
        The columns, in order (written as one space-separated string); with ``more``, the
        leading columns only (demographics, contacts and items follow, as the study declares
        them).
    personal
        Holds names, contacts or text as participants wrote it; stays in ``data/processed``.
    part
        Written only when the study declares the program part it belongs to.
    design
        Written only when the study's design or outcomes have it (a knowledge test, a
        try-out, several arms, follow-up waves, a declared direction...); ``results.json``
        lists the design tables a run wrote under ``design.tables``.
    """

    name: str
    description: str
    columns: tuple[str, ...] | str
    more: bool = False
    personal: bool = False
    part: bool = False
    design: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.columns, str):
            object.__setattr__(self, "columns", tuple(self.columns.split()))


def _design(name: str, description: str, columns: str) -> TableSpec:
    """A design table (see ``TableSpec.design``)."""
    return TableSpec(name, description, columns, design=True)


#: Every table of the bundle, in the order they are written.
TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "ledger",
            "one row per input row and what happened to it",
            "wave source_file source_row outcome participant_code detail",
        ),
        TableSpec(
            "problems",
            "every problem found in the input, located",
            "code severity file row column value expected message_id message_en",
        ),
        TableSpec(
            "quarantine",
            "input rows set aside, with their reasons",
            "wave source_file source_row reason",
        ),
        TableSpec(
            "attrition",
            "participants per group by which waves they answered",
            "group pattern n",
        ),
        TableSpec(
            "careless",
            "careless-responding flags per submission (longstring, attention checks)",
            (
                "participant_code wave longstring longstring_flag attention_failed flagged "
                "excluded reason"
            ),
        ),
        TableSpec(
            "sources",
            "each file read: sheet, header row, delimiter, encoding, rows, SHA-256",
            (
                "wave file header_row timestamp_header rows blank_rows sha256 delimiter "
                "encoding sheet"
            ),
        ),
        TableSpec(
            "responses",
            "pseudonymized, keyed item responses, one row per participant and wave",
            "participant_code wave group",
            more=True,
        ),
        TableSpec(
            "scores",
            "scale scores, one row per participant, wave and scale",
            "participant_code wave group scale n_items n_answered mean sum pomp",
        ),
        TableSpec(
            "reliability",
            "alpha (Feldt CI), standardized alpha, omega total per scale and wave",
            (
                "scale wave n k missing_rule alpha alpha_ci_low alpha_ci_high std_alpha "
                "omega_total omega_converged note"
            ),
        ),
        TableSpec(
            "items",
            "item statistics and item validity per scale and wave",
            (
                "scale wave item reverse n_answered mean sd r_item_total r_item_rest "
                "alpha_if_deleted r_used r_critical df valid rule"
            ),
        ),
        TableSpec(
            "categories",
            "score categories per participant, wave, scale and scheme",
            "participant_code wave group scale scheme score category",
        ),
        TableSpec(
            "category_schemes",
            "category schemes with norm mean, SD, cut points and bounds",
            "scale scheme score norm_mean norm_sd cuts labels labels_en bounds",
        ),
        TableSpec(
            "category_shift",
            "moved up / stayed / moved down between pre and post",
            "scale scheme group n up stayed down",
        ),
        TableSpec(
            "gain",
            "normalized gain per participant and scale",
            "participant_code group scale pre_pomp post_pomp g c value hake_level note",
        ),
        TableSpec(
            "gain_summary",
            "class-average and mean gain, Hake level, effectiveness per scale and group",
            (
                "scale group method n_pairs n_ceiling n_declined g_class hake_class gain_mean "
                "gain_median effectiveness_pct effectiveness share_high share_medium share_low"
            ),
        ),
        TableSpec(
            "descriptives",
            "descriptive statistics per scale, wave and group",
            "outcome wave group n mean sd median q1 q3 min max",
        ),
        TableSpec(
            "normality",
            "Shapiro-Wilk tests of the differences (and of each wave on request)",
            "outcome group target n W p_value note",
        ),
        TableSpec(
            "tests",
            "paired t and Wilcoxon tests per scale and group, the primary one flagged",
            (
                "outcome group comparison test n mean_pre mean_post estimate ci_low ci_high "
                "statistic df p_value p_adjusted adjustment primary reason_code reason method "
                "note"
            ),
        ),
        TableSpec(
            "effects",
            "d_z, d_av, g_av and rank-biserial r per scale and group",
            "outcome group comparison effect value ci_low ci_high magnitude method note",
        ),
        TableSpec(
            "changes",
            "participants who improved, stayed, declined; pre-post correlation",
            (
                "outcome group n improved declined stayed share_improved share_declined "
                "share_stayed r_pre_post"
            ),
        ),
        TableSpec(
            "power",
            "smallest detectable d_z and power at the observed d_z",
            ("outcome group n alpha power_target detectable_dz observed_dz power_observed note"),
        ),
        TableSpec(
            "ancova",
            "ANCOVA post ~ pre + group per scale (with a control group)",
            (
                "outcome n n_treatment n_control adjusted_difference ci_low ci_high se t "
                "df_resid F p_value partial_eta_squared partial_eta_squared_ci_low "
                "partial_eta_squared_ci_high adjusted_mean_treatment adjusted_mean_control "
                "slopes_F slopes_df1 slopes_df2 slopes_p_value note p_adjusted adjustment"
            ),
        ),
        TableSpec(
            "mixed_anova",
            "mixed ANOVA group x time per scale (with a control group)",
            (
                "outcome effect n F df1 df2 p_value partial_eta_squared "
                "partial_eta_squared_ci_low partial_eta_squared_ci_high note"
            ),
        ),
        TableSpec(
            "gain_comparison",
            "Welch t and Hedges' g of gain scores between arms",
            (
                "outcome n n_treatment n_control t df p_value difference ci_low ci_high "
                "hedges_g g_ci_low g_ci_high note"
            ),
        ),
        TableSpec(
            "subgroups",
            "interaction tests of declared demographics",
            (
                "outcome subgroup design term n n_per_level F df1 df2 p_value "
                "partial_eta_squared partial_eta_squared_ci_low partial_eta_squared_ci_high "
                "note"
            ),
        ),
        # ---------------------------------------------------------- design tables
        _design(
            "test_items",
            "knowledge test item analysis per scale, wave and item: difficulty p, upper-lower "
            "discrimination D, point-biserial r (item-total and corrected)",
            "scale wave item n group_size max_points difficulty difficulty_label p_upper p_lower "
            "discrimination discrimination_label r_item_total r_item_rest note",
        ),
        _design(
            "test_distractors",
            "how often each option of each keyed test item was chosen, overall and in the upper "
            "and lower groups",
            "scale wave item option points is_key count share share_answered share_upper "
            "share_lower functioning",
        ),
        _design(
            "test_summary",
            "test scores per scale and wave: points and percentage, KR-20, KR-21",
            "scale wave n k max_points mean_points sd_points mean_percent sd_percent kr20 kr21 "
            "note",
        ),
        _design(
            "mastery",
            "share of pairs reaching the passing score (ketuntasan) before and after",
            "scale group wave n mastered share passing",
        ),
        _design(
            "mastery_tests",
            "McNemar's test of the change in mastery, per outcome and group",
            "scale group n a b c d p_pre p_post difference diff_ci_low diff_ci_high statistic "
            "p_asymptotic p_exact method p_value odds_ratio or_ci_low or_ci_high level note",
        ),
        _design(
            "tryout_items",
            "instrument try-out per scale and item: r hitung, r tabel, valid/gugur, alpha if "
            "deleted, difficulty and discrimination of test items",
            "scale kind item n df r r_critical valid decision alpha_if_deleted difficulty "
            "difficulty_label discrimination discrimination_label method note",
        ),
        _design(
            "tryout_scales",
            "instrument try-out per scale: alpha or KR-20 with its Feldt CI, valid items, alpha "
            "of the valid items",
            "scale kind n k k_valid coefficient value ci_low ci_high kr21 alpha_valid_items rule "
            "note",
        ),
        _design(
            "bayes",
            "JZS Bayes factor of the paired change per scale and group (Cauchy prior)",
            "outcome group comparison alternative n t df r_scale bf10 bf01 log_bf10 method error "
            "note",
        ),
        _design(
            "directional",
            "one-sided paired t and Wilcoxon tests of the declared direction",
            "outcome group comparison test alternative declared n estimate ci_low ci_high "
            "statistic df p_value p_adjusted adjustment method note",
        ),
        _design(
            "qq",
            "normal Q-Q points and line of the paired differences of the primary scale",
            "outcome group position theoretical sample intercept slope",
        ),
        _design(
            "arms_anova",
            "ANCOVA post ~ pre + arm with several arms: the pre and arm rows, slopes check",
            "outcome term n ss df1 df2 F p_value partial_eta_squared partial_eta_squared_ci_low "
            "partial_eta_squared_ci_high slopes_F slopes_df1 slopes_df2 slopes_p_value note",
        ),
        _design(
            "arms_means",
            "adjusted (estimated marginal) means of each arm at the mean pre score",
            "outcome arm role n adjusted_mean se df ci_low ci_high",
        ),
        _design(
            "arms_contrasts",
            "pairwise adjusted contrasts between arms with Holm's p",
            "outcome contrast arm reference versus_control estimate se df t p_value p_holm ci_low "
            "ci_high ci_low_bonferroni ci_high_bonferroni",
        ),
        _design(
            "waves_anova",
            "repeated-measures ANOVA over the waves per group, and the mixed ANOVA arms x waves "
            "(type 3, Greenhouse-Geisser)",
            "outcome design group effect n ss ss_error df1 df2 F p_value epsilon_gg df1_gg df2_gg "
            "p_value_gg ges pes mauchly_w mauchly_p note",
        ),
        _design(
            "friedman",
            "Friedman's test over the waves with Kendall's W, per scale and group",
            "outcome group n k statistic df p_value kendall_w note",
        ),
        _design(
            "followup_pairs",
            "paired t tests of every pair of waves with adjusted p",
            "outcome group contrast wave reference n mean_difference se t df p_value ci_low "
            "ci_high note p_adjusted adjust",
        ),
        _design(
            "retained_gain",
            "follow-up minus pre and follow-up minus post, with CIs",
            "outcome group contrast wave reference n mean_difference se t df p_value ci_low "
            "ci_high note",
        ),
        _design(
            "sensitivity",
            "headline numbers of each declared sensitivity variant beside the primary ones",
            "variant changes quantity outcome wave group test primary value differs",
        ),
        TableSpec(
            "participant_key",
            "participant code to the identity and contacts as entered (personal)",
            "participant_code wave participant",
            more=True,
            personal=True,
        ),
        TableSpec(
            "matches",
            "how waves were matched, with the names compared (personal)",
            "participant_code wave method score id_base id_other",
            personal=True,
        ),
        TableSpec(
            "match_review",
            "name pairs to confirm or reject: copy, fill 'decision', declare in study.yaml as "
            "match_review (personal)",
            "wave name_base name_other score status decision",
            personal=True,
        ),
        TableSpec(
            "attendance_summary",
            "reach, dose and completion from the attendance log",
            "statistic value base note",
            part=True,
        ),
        TableSpec(
            "attendance_sessions",
            "participants present per session held",
            "session date rows present present_enrolled share_of_enrolled",
            part=True,
        ),
        TableSpec(
            "dose",
            "sessions attended, dose share, reached and completed per participant code",
            ("participant_code enrolled in_log sessions_attended dose_share reached completed"),
            part=True,
        ),
        TableSpec(
            "dose_response",
            "Pearson r, Spearman rho and OLS slope of gain on sessions attended",
            "statistic estimate ci_low ci_high p n method outcome group note",
            part=True,
        ),
        TableSpec(
            "log_ledger",
            "every row of the attendance and service logs and what became of it",
            "log file source_row status reason",
            part=True,
        ),
        TableSpec(
            "service_steps",
            "duration of each procedure step against its standard; the bottleneck",
            (
                "step step_order standard standard_hours n_cases n_reached n_missing n_measured "
                "mean_hours median_hours q1_hours q3_hours iqr_hours n_within share_within "
                "bottleneck"
            ),
            part=True,
        ),
        TableSpec(
            "service_cases",
            "per case (pseudonymous) and step: start, end, hours, within standard",
            ("case step step_order source_row start end hours standard_hours within_standard note"),
            part=True,
        ),
        TableSpec(
            "service_summary",
            "first to last step per case: duration and share within the standards",
            (
                "from_step to_step n mean_hours median_hours q1_hours q3_hours iqr_hours "
                "max_hours standard_hours n_within share_within bottleneck"
            ),
            part=True,
        ),
        TableSpec(
            "aspirations_coded",
            "aspiration level, code and ISCO-08 group per participant code and wave",
            (
                "participant_code wave group level code isco_major label_id label_en n_named "
                "method score"
            ),
            part=True,
        ),
        TableSpec(
            "aspirations_levels",
            "aspiration levels per wave and group (counts and shares)",
            "group wave level n share",
            part=True,
        ),
        TableSpec(
            "aspirations_transition",
            "pre level x post level of the same participants, per group",
            "pre post n group",
            part=True,
        ),
        TableSpec(
            "aspirations_isco",
            "ISCO-08 major groups named before and after, per group",
            "isco_major label_id label_en pre post group",
            part=True,
        ),
        TableSpec(
            "aspirations_mcnemar",
            "McNemar's test of the share naming an occupation, per group",
            (
                "statistic value ci_low ci_high method level note group n_pairs n_excluded a b "
                "c d p_pre p_post primary_method transition_note"
            ),
            part=True,
        ),
        TableSpec(
            "plan_vs_actual",
            "planned targets against what happened, by POAC pillar",
            (
                "pillar indicator label_id label_en planned actual kind direction met "
                "attainment note source"
            ),
            part=True,
        ),
        TableSpec(
            "cbpr_cycle",
            "the six stages of the CBPR cycle as the program lived it",
            "stage_order stage recorded date end_date who decided notes",
            part=True,
        ),
        TableSpec(
            "aspirations_review",
            "aspiration answers the dictionary could not code, with examples as written "
            "(personal: answers may hold names)",
            "normalized count level code method score examples",
            personal=True,
            part=True,
        ),
        TableSpec(
            "attendance_not_enrolled",
            "names in the attendance log that match no survey participant (personal)",
            "participant participant_raw first_row sessions_attended",
            personal=True,
            part=True,
        ),
    )
}


def public_tables() -> list[str]:
    """Tables a report may read: every table that is not personal."""
    return [name for name, spec in TABLES.items() if not spec.personal]


def design_tables() -> list[str]:
    """The tables a study's design or outcomes add."""
    return [name for name, spec in TABLES.items() if spec.design]


def part_tables(*, personal: bool = False) -> list[str]:
    """The program parts' tables (the personal ones with ``personal``)."""
    return [name for name, spec in TABLES.items() if spec.part and spec.personal == personal]
