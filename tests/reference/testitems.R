# Reference values for pipeline/stats/testitems.py (knowledge-test item analysis) and
# pipeline/stats/validity.py (try-out item validity, r hitung vs r tabel).
# Run: cd tests/reference && Rscript testitems.R   (writes testitems.json)
# R 4.2.2; psych 2.2.9 (score.multiple.choice, response.frequencies, alpha); psychTools
# (iqitems); jsonlite. Upper-lower groups, D, the 27 % rule and the labels have no R package
# here, so they are written out below from their definitions (order(-total) is R's stable
# radix sort: ties keep their row order), independently of the Python code.
suppressPackageStartupMessages({ library(psych); library(psychTools); library(jsonlite) })

# ---- scoring against a key ------------------------------------------------------------------
# key: list item -> correct option, or item -> named vector of points per option (partial)
score_key <- function(answers, key, points = NULL, omitted = "wrong") {
  out <- sapply(names(answers), function(item) {
    a <- trimws(tolower(as.character(answers[[item]])))
    a[!is.na(a) & a == ""] <- NA
    k <- key[[item]]
    if (length(k) > 1 || !is.null(names(k))) {
      tab <- setNames(as.numeric(unlist(k)), tolower(names(k)))
    } else {
      w <- if (!is.null(points) && !is.null(points[[item]])) points[[item]] else 1
      tab <- setNames(w, tolower(as.character(k)))
    }
    s <- ifelse(is.na(a), NA, ifelse(a %in% names(tab), tab[a], 0))
    if (omitted == "wrong") s[is.na(s)] <- 0
    as.numeric(s)
  })
  as.data.frame(out)
}
max_points <- function(key, points = NULL) sapply(names(key), function(item) {
  k <- key[[item]]
  if (length(k) > 1 || !is.null(names(k))) max(unlist(k))
  else if (!is.null(points) && !is.null(points[[item]])) points[[item]] else 1
})

# ---- labels (rounded to 10 decimals before banding, as documented) ---------------------------
difficulty_label <- function(p) {
  p <- round(p, 10)
  ifelse(is.na(p), NA, ifelse(p < 0.30, "sukar", ifelse(p <= 0.70, "sedang", "mudah")))
}
discrimination_label <- function(d) {
  d <- round(d, 10)
  ifelse(is.na(d), NA, ifelse(d < 0.20, "jelek", ifelse(d < 0.40, "cukup",
         ifelse(d < 0.70, "baik", "baik sekali"))))
}

# ---- upper / lower groups and item statistics -----------------------------------------------
groups_of <- function(total, fraction = 0.27) {
  known <- which(!is.na(total))
  n <- length(known); g <- min(round(fraction * n), n %/% 2)   # groups never overlap
  o <- known[order(-total[known])]
  lab <- rep(NA_character_, length(total)); lab[known] <- "middle"
  if (g > 0) { lab[o[1:g]] <- "upper"; lab[o[(n - g + 1):n]] <- "lower" }
  lab
}
safe_cor <- function(x, y) if (sd(x) == 0 || sd(y) == 0) NA else cor(x, y)
analysis <- function(scores, maxp, fraction = 0.27) {
  s <- as.matrix(scores[complete.cases(scores), , drop = FALSE])
  total <- rowSums(s); grp <- groups_of(total, fraction); g <- sum(grp == "upper")
  U <- colSums(s[grp == "upper", , drop = FALSE]); L <- colSums(s[grp == "lower", , drop = FALSE])
  D <- (U - L) / (g * maxp); p <- colMeans(s) / maxp
  list(n = nrow(s), group_size = g, difficulty = unname(p), p_upper = unname(U / (g * maxp)),
       p_lower = unname(L / (g * maxp)), discrimination = unname(D),
       difficulty_label = difficulty_label(unname(p)),
       discrimination_label = discrimination_label(unname(D)),
       r_item_total = unname(apply(s, 2, safe_cor, total)),
       r_item_rest = sapply(seq_len(ncol(s)), function(j) safe_cor(s[, j], total - s[, j])))
}
kr <- function(s) {           # KR-20 from psych::alpha (raw alpha of the 0/1 items) and KR-21
  s <- as.matrix(s[complete.cases(s), , drop = FALSE]); k <- ncol(s); tot <- rowSums(s)
  v0 <- mean((tot - mean(tot))^2); v1 <- var(tot); M <- mean(tot); p <- colMeans(s)
  a <- suppressWarnings(psych::alpha(as.data.frame(s), warnings = FALSE, check.keys = FALSE))
  list(kr20_psych = a$total$raw_alpha,
       kr20_formula = k / (k - 1) * (1 - sum(p * (1 - p)) / v0),
       kr21_ddof0 = k / (k - 1) * (1 - M * (k - M) / (k * v0)),
       kr21_ddof1 = k / (k - 1) * (1 - M * (k - M) / (k * v1)))
}

# ---- distractors ----------------------------------------------------------------------------
distractors <- function(answers, key, grp, extra = character(0)) {
  out <- list()
  for (item in names(answers)) {
    a <- trimws(as.character(answers[[item]])); a[!is.na(a) & a == ""] <- NA
    k <- key[[item]]; keyed <- if (length(k) > 1 || !is.null(names(k))) names(k) else as.character(k)
    opts <- unique(c(a[!is.na(a)], keyed, extra))
    num <- suppressWarnings(as.numeric(opts))
    opts <- if (all(!is.na(num))) as.character(sort(num)) else sort(opts)
    up <- !is.na(grp) & grp == "upper"; lo <- !is.na(grp) & grp == "lower"
    rows <- lapply(c(opts, NA), function(o) {
      chose <- if (is.na(o)) is.na(a) else (!is.na(a) & a == o)
      list(item = item, option = if (is.na(o)) "(omitted)" else o, count = sum(chose),
           share = mean(chose),
           share_answered = if (is.na(o)) NA else sum(chose[!is.na(a)]) / sum(!is.na(a)),
           share_upper = sum(chose[up]) / sum(up), share_lower = sum(chose[lo]) / sum(lo))
    })
    out <- c(out, rows)
  }
  out
}

# ---- try-out validity (r hitung vs r tabel) --------------------------------------------------
r_tabel <- function(df, alpha = 0.05, tails = 2) {
  t <- qt(1 - alpha / tails, df); t / sqrt(df + t^2)
}
validity <- function(items) {
  n_pair <- sum(rowSums(!is.na(items)) > 0)
  lw <- items[complete.cases(items), , drop = FALSE]
  a_pw <- suppressWarnings(psych::alpha(items, warnings = FALSE, check.keys = FALSE))
  a_lw <- suppressWarnings(psych::alpha(lw, warnings = FALSE, check.keys = FALSE))
  list(n_pairwise = n_pair, n_listwise = nrow(lw),
       pairwise = list(r_rest = a_pw$item.stats$r.drop, r_total = a_pw$item.stats$raw.r,
                       alpha_if_deleted = a_pw$alpha.drop$raw_alpha),
       listwise = list(r_rest = a_lw$item.stats$r.drop, r_total = a_lw$item.stats$raw.r,
                       alpha_if_deleted = a_lw$alpha.drop$raw_alpha,
                       r_rest_cor = sapply(seq_len(ncol(lw)), function(j)
                         cor(lw[, j], rowSums(lw) - lw[, j]))),
       r_tabel = list(two_05_pairwise = r_tabel(n_pair - 2), two_05_listwise = r_tabel(nrow(lw) - 2),
                      one_05_listwise = r_tabel(nrow(lw) - 2, 0.05, 1),
                      two_01_listwise = r_tabel(nrow(lw) - 2, 0.01)))
}

out <- list(generated_by = paste("tests/reference/testitems.R;", R.version.string,
                                 "; psych", as.character(packageVersion("psych"))))

# ---- 1. psychTools::iqitems, first 500 respondents: options 0-8, some answers missing ---------
data(iqitems, package = "psychTools")
iq <- iqitems[1:500, ]
iq_keys <- c(4, 4, 4, 6, 6, 3, 4, 4, 5, 2, 2, 4, 3, 2, 6, 7)
key_iq <- setNames(as.list(iq_keys), names(iq))
mc <- psych::score.multiple.choice(iq_keys, iq, score = TRUE, short = FALSE,
                                  digits = 15)
s_wrong <- score_key(iq, key_iq, omitted = "wrong")
s_missing <- score_key(iq, key_iq, omitted = "missing")
stopifnot(all(abs(colMeans(s_missing, na.rm = TRUE) - mc$item.stats$mean) < 1e-12))
grp_iq <- groups_of(rowSums(s_wrong))
out$iqitems <- list(
  answers = lapply(iq, function(v) v), key = key_iq,
  scores_wrong = lapply(s_wrong, function(v) v), scores_missing = lapply(s_missing, function(v) v),
  difficulty_missing_psych = mc$item.stats$mean,   # psych: mean score over answered rows
  response_frequencies = lapply(as.data.frame(psych::response.frequencies(iq)), function(v) v),
  analysis_wrong = analysis(s_wrong, rep(1, 16)), analysis_missing = analysis(s_missing, rep(1, 16)),
  groups_wrong = grp_iq, kr_wrong = kr(s_wrong), kr_missing = kr(s_missing),
  distractors_wrong = distractors(iq, key_iq, grp_iq))

# ---- 2. A small A-D test: 22 respondents, 8 items, blanks, item 1 right for everyone, ties ----
set.seed(1717)
n <- 22; opts <- c("A", "B", "C", "D")
ability <- rnorm(n)
key_small <- list(q1 = "A", q2 = "C", q3 = "B", q4 = "D", q5 = "A", q6 = "B", q7 = "C", q8 = "D")
small <- as.data.frame(lapply(seq_along(key_small), function(j) {
  right <- runif(n) < plogis(ability * 1.5 + c(5, 0.8, 0.2, -0.4, 0.5, -1, 0, 1)[j])
  ifelse(right, key_small[[j]], sample(setdiff(opts, key_small[[j]]), n, replace = TRUE))
}), stringsAsFactors = FALSE)
names(small) <- names(key_small)
small$q1 <- "A"                                   # everyone right
small$q4[ability > 0.8] <- "B"                    # the best miss q4: negative discrimination
small[3, "q2"] <- NA; small[7, "q6"] <- NA; small[12, c("q3", "q8")] <- NA   # blanks
small[5, "q5"] <- " a "                           # spelling the scorer must normalise
points_small <- list(q5 = 2, q6 = 2, q7 = 2)
key_partial <- key_small; key_partial$q8 <- list(D = 2, C = 1)
s_bin <- score_key(small, key_small)
s_wt <- score_key(small, key_partial, points_small)
maxp_wt <- max_points(key_partial, points_small)
grp_bin <- groups_of(rowSums(s_bin)); grp_wt <- groups_of(rowSums(s_wt))
small_clean <- small; small_clean$q5 <- trimws(toupper(small_clean$q5))
out$small <- list(
  answers = lapply(small, function(v) v), key = key_small, key_partial = key_partial,
  points = points_small, max_points_weighted = unname(maxp_wt),
  scores_binary = lapply(s_bin, function(v) v), scores_weighted = lapply(s_wt, function(v) v),
  scores_missing = lapply(score_key(small, key_small, omitted = "missing"), function(v) v),
  totals_binary = rowSums(s_bin), groups_binary = grp_bin, groups_weighted = grp_wt,
  groups_binary_half = groups_of(rowSums(s_bin), 0.5),
  analysis_binary = analysis(s_bin, rep(1, 8)), analysis_weighted = analysis(s_wt, maxp_wt),
  analysis_binary_33 = analysis(s_bin, rep(1, 8), 1 / 3),
  kr_binary = kr(s_bin),
  distractors_binary = distractors(small_clean, key_small, grp_bin, extra = "E"),
  distractors_weighted = distractors(small_clean, key_partial, grp_wt, extra = "E"))

# ---- 3. Rater-scored essay items (0..max), one unscored cell --------------------------------
set.seed(2024)
maxp_essay <- c(e1 = 4, e2 = 4, e3 = 6, e4 = 10, e5 = 2)
theta <- rnorm(30)
essay <- as.data.frame(sapply(names(maxp_essay), function(j) {
  m <- maxp_essay[[j]]; pmin(m, pmax(0, round(m / 2 + theta * m / 3 + rnorm(30, 0, m / 4))))
}))
essay$e5[c(2, 9)] <- 2; essay[17, "e3"] <- NA
out$essay <- list(scores = lapply(essay, function(v) v), max_points = as.list(maxp_essay),
                  difficulty_pairwise = unname(colMeans(essay, na.rm = TRUE) / maxp_essay),
                  analysis = analysis(essay, maxp_essay))

# ---- 4. KR-21 equals KR-20 when every item has the same difficulty ---------------------------
equal_p <- as.data.frame(matrix(c(1, 1, 1, 1,  1, 1, 1, 1,  1, 1, 1, 0,  1, 1, 0, 1,  1, 0, 1, 1,
                                  0, 1, 1, 1,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0),
                                10, byrow = TRUE))
stopifnot(all(colMeans(equal_p) == 0.5))
out$equal_p <- list(scores = lapply(equal_p, function(v) v), kr = kr(equal_p))

# ---- 5. Label boundaries ---------------------------------------------------------------------
p_values <- c(0, 0.29, 0.2999999, 0.3, 6 / 20, 0.5, 0.7, 7 / 10, 0.70000001, 0.71, 1, NA)
d_values <- c(-0.5, 0, 0.19, 0.7 - 0.5, 0.2, 0.39, 0.4, 0.69, 0.7, 0.9 - 0.2, 1, NA)
out$labels <- list(p = p_values, difficulty = difficulty_label(p_values),
                   d = d_values, discrimination = discrimination_label(d_values))

# ---- 6. Mastery (ketuntasan, KKM 70) and McNemar on its 2x2 table ---------------------------
set.seed(77)
pre <- round(pmin(100, pmax(0, rnorm(40, 62, 12)))); post <- round(pmin(100, pmax(0, pre + rnorm(40, 9, 8))))
pre[c(3, 8)] <- 70; post[c(5, 8)] <- 70; post[11] <- NA; pre[20] <- NA
ok <- complete.cases(pre, post)
tab <- table(factor(pre[ok] >= 70, c(TRUE, FALSE)), factor(post[ok] >= 70, c(TRUE, FALSE)))
mt <- mcnemar.test(tab)
out$mastery <- list(pre = pre, post = post, passing = 70, n = sum(ok),
                    mastered_pre = sum(pre[ok] >= 70), mastered_post = sum(post[ok] >= 70),
                    share_pre = mean(pre[ok] >= 70), share_post = mean(post[ok] >= 70),
                    table = matrix(as.vector(tab), 2),
                    mcnemar_statistic = unname(mt$statistic), mcnemar_p = mt$p.value)

# ---- 7. Try-out validity on Likert items (psych::bfi, 40 respondents, some missing; A1 left
# unreversed so that it correlates negatively with the rest) ---------------------------------
items_v <- psych::bfi[1:40, c("A1", "A2", "A3", "A4", "A5", "C1", "C2", "O2")]
items_v$A3_reversed <- pmin(6, pmax(1, 7 - items_v$A3 + rep(c(1, 0, -1, 0, 0), 8)))  # strongly negative
items_v[c(3, 11), "A3"] <- NA; items_v[25, "C1"] <- NA; items_v[30, ] <- NA   # gaps, one blank row
out$tryout <- list(items = lapply(items_v, function(v) v), validity = validity(items_v))

write_json(out, "testitems.json", digits = NA, auto_unbox = TRUE, na = "null")
cat("wrote testitems.json\n")
