# Reference values for pipeline/stats/repeated.py (one-group repeated-measures ANOVA) and
# pipeline/stats/followup.py (Friedman test with Kendall's W, pairwise paired t tests with
# Holm, retained gain).
# Run: cd tests/reference && Rscript followup.R   (writes followup.json)
# R 4.2.2; afex 1.2-1 (aov_ez, within only, correction "GG", es "ges"/"pes"; summary() for
# Mauchly and the GG epsilon); stats::friedman.test; effectsize 0.8.3 kendalls_w (no CI);
# stats::pairwise.t.test(paired = TRUE, p.adjust.method = "holm") and t.test(paired = TRUE);
# jsonlite. Differences are later wave minus earlier wave.
suppressPackageStartupMessages({ library(jsonlite); library(afex); library(effectsize) })

rm_reference <- function(long) {
  fit <- suppressWarnings(suppressMessages(aov_ez(
    "participant_code", "score", long, within = "wave",
    anova_table = list(correction = "GG", es = c("ges", "pes")))))
  plain <- suppressWarnings(suppressMessages(aov_ez(
    "participant_code", "score", long, within = "wave",
    anova_table = list(correction = "none", es = c("ges", "pes")))))
  s <- summary(fit); uni <- s$univariate.tests; gg <- fit$anova_table
  out <- list(n = nrow(fit$data$wide), ss = uni["wave", "Sum Sq"], ss_error = uni["wave", "Error SS"],
              df1 = plain$anova_table[, "num Df"], df2 = plain$anova_table[, "den Df"],
              F = plain$anova_table[, "F"], p = plain$anova_table[, "Pr(>F)"],
              ges = plain$anova_table[, "ges"], pes = plain$anova_table[, "pes"],
              df1_gg = gg[, "num Df"], df2_gg = gg[, "den Df"], p_gg = gg[, "Pr(>F)"])
  if (length(unique(long$wave)) > 2) {
    out$gg_eps <- unname(s$pval.adjustments[, "GG eps"])
    out$mauchly_w <- unname(s$sphericity.tests[, "Test statistic"])
    out$mauchly_p <- unname(s$sphericity.tests[, "p-value"])
  }
  out
}

wide_of <- function(long, waves) {
  w <- reshape(long[c("participant_code", "wave", "score")], idvar = "participant_code",
               timevar = "wave", direction = "wide")
  names(w) <- sub("^score\\.", "", names(w))
  w[c("participant_code", waves)]
}

friedman_reference <- function(long, waves) {
  w <- wide_of(long, waves); m <- as.matrix(w[complete.cases(w), waves])
  ft <- friedman.test(m)
  kw <- kendalls_w(m, ci = NULL, verbose = FALSE)
  list(n = nrow(m), k = ncol(m), statistic = unname(ft$statistic), df = unname(ft$parameter),
       p = ft$p.value, kendall_w_effectsize = kw$Kendalls_W,
       kendall_w = unname(ft$statistic) / (nrow(m) * (ncol(m) - 1)))
}

pair_tests <- function(w, waves, pairs, complete) {
  if (complete) w <- w[complete.cases(w[waves]), ]
  rows <- lapply(pairs, function(pr) {
    x <- w[[pr[2]]]; y <- w[[pr[1]]]; ok <- complete.cases(x, y)
    tt <- t.test(x[ok], y[ok], paired = TRUE)
    list(contrast = paste(pr[2], "-", pr[1]), n = sum(ok), estimate = unname(tt$estimate),
         se = unname(tt$stderr), t = unname(tt$statistic), df = unname(tt$parameter),
         p = tt$p.value, ci_low = tt$conf.int[1], ci_high = tt$conf.int[2])
  })
  rows
}

pairwise_reference <- function(long, waves) {
  w <- wide_of(long, waves)
  pairs <- list(); for (j in seq_along(waves)) for (i in seq_len(j - 1)) pairs[[length(pairs) + 1]] <- waves[c(i, j)]
  out <- list()
  for (use in c("listwise", "pairwise")) {
    rows <- pair_tests(w, waves, pairs, use == "listwise")
    ww <- if (use == "listwise") w[complete.cases(w[waves]), ] else w
    lg <- data.frame(score = unlist(ww[waves]), wave = factor(rep(waves, each = nrow(ww)), waves))
    pt <- pairwise.t.test(lg$score, lg$wave, paired = TRUE, p.adjust.method = "holm")
    holm <- sapply(pairs, function(pr) pt$p.value[pr[2], pr[1]])
    out[[use]] <- list(rows = rows, p_holm_pairwise_t_test = holm,
                       p_holm = p.adjust(sapply(rows, `[[`, "p"), "holm"))
  }
  out
}

retained_reference <- function(long, waves, followup) {
  w <- wide_of(long, waves)
  out <- list()
  for (use in c("listwise", "pairwise"))
    out[[use]] <- pair_tests(w, waves, list(c("pre", followup), c("post", followup)),
                             use == "listwise")
  out
}

out <- list(generated_by = paste("tests/reference/followup.R;", R.version.string,
                                 "; afex", as.character(packageVersion("afex")),
                                 "; effectsize", as.character(packageVersion("effectsize"))))

# ---- 1. afex::obk.long averaged over hours: 16 participants x pre / post / fup ---------------
data(obk.long, package = "afex")
obk <- aggregate(value ~ id + phase, data = obk.long, FUN = mean)
obk <- data.frame(participant_code = as.character(obk$id), wave = as.character(obk$phase),
                  score = obk$value)
waves <- c("pre", "post", "fup")
out$obk <- list(data = obk, waves = waves, followup = "fup", rm = rm_reference(obk),
                friedman = friedman_reference(obk, waves),
                pairwise = pairwise_reference(obk, waves),
                retained = retained_reference(obk, waves, "fup"))

# ---- 2. 24 participants x pre / post / fu1 / fu2 on a 1-5 scale (ties), four dropouts --------
set.seed(1703)
ids <- sprintf("s%02d", 1:24); waves <- c("pre", "post", "fu1", "fu2")
base <- rnorm(24, 2.6, 0.5)
sim <- do.call(rbind, lapply(seq_along(ids), function(i) data.frame(
  participant_code = ids[i], wave = waves,
  score = pmin(5, pmax(1, round(base[i] + c(0, 1.1, 0.8, 0.6) + rnorm(4, 0, c(0.3, 0.5, 0.6, 0.8)))))
)))
drop <- (sim$participant_code %in% c("s04", "s09") & sim$wave == "fu2") |
  (sim$participant_code == "s15" & sim$wave %in% c("fu1", "fu2")) |
  (sim$participant_code == "s21" & sim$wave == "post")
sim <- sim[!drop, ]
out$sim <- list(data = sim, waves = waves, followup = "fu2", rm = rm_reference(sim),
                friedman = friedman_reference(sim, waves),
                pairwise = pairwise_reference(sim, waves),
                retained = retained_reference(sim, waves, "fu2"))

# ---- 3. Seven participants x three waves of whole numbers: many ties -------------------------
tiny <- data.frame(participant_code = rep(sprintf("t%d", 1:7), each = 3),
                   wave = rep(c("pre", "post", "fup"), 7),
                   score = c(2, 4, 3,  3, 3, 3,  1, 4, 4,  2, 2, 3,  3, 5, 4,  2, 4, 4,  4, 4, 5))
out$tiny <- list(data = tiny, waves = c("pre", "post", "fup"), followup = "fup",
                 rm = rm_reference(tiny), friedman = friedman_reference(tiny, c("pre", "post", "fup")),
                 pairwise = pairwise_reference(tiny, c("pre", "post", "fup")),
                 retained = retained_reference(tiny, c("pre", "post", "fup"), "fup"))

# ---- 4. Two waves: the one-group RM ANOVA is the paired t test squared ------------------------
two <- sim[sim$wave %in% c("pre", "post"), ]
out$two <- list(data = two, waves = c("pre", "post"), rm = rm_reference(two),
                paired_t = pair_tests(wide_of(two, c("pre", "post")), c("pre", "post"),
                                      list(c("pre", "post")), TRUE))

write_json(out, "followup.json", digits = NA, auto_unbox = TRUE, na = "null")
cat("wrote followup.json\n")
