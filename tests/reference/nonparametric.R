# Reference values for pipeline/stats/nonparametric.py: the Wilcoxon signed-rank test with the
# Hodges-Lehmann estimate and its CI, and the matched-pairs rank-biserial r.
# Run: cd tests/reference && Rscript nonparametric.R   (writes nonparametric.json)
# R packages: stats (wilcox.test with its defaults: exact = NULL, correct = TRUE,
# tol.root = 1e-4), effectsize 0.8.3 (rank_biserial), MASS (anorexia), jsonlite.
suppressPackageStartupMessages({
  library(effectsize)
  library(jsonlite)
  library(MASS)
})
stopifnot(packageVersion("effectsize") == "0.8.3")

LEVELS <- c(0.90, 0.95, 0.99)

# write_json(digits = NA) keeps 15 significant digits, which does not round-trip every double
# (0.1 + 0.2 is written as 0.3). Every data set goes through JSON before R computes on it, so
# R and Python compute on the very same doubles.
as_stored <- function(v) fromJSON(toJSON(v, digits = NA))

# Evaluates expr, keeping R's warnings as data instead of printing them.
with_warnings <- function(expr) {
  caught <- character()
  value <- withCallingHandlers(expr, warning = function(w) {
    caught <<- c(caught, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = unique(caught))
}

one_level <- function(pre, post, level) {
  run <- with_warnings(
    wilcox.test(post, pre, paired = TRUE, conf.int = TRUE, conf.level = level)
  )
  w <- run$value
  rb <- rank_biserial(post, pre, paired = TRUE, ci = level, verbose = FALSE)
  list(
    level = level,
    statistic = unname(w$statistic), p_value = w$p.value,
    method = if (grepl("exact", w$method)) "exact" else
      "normal approximation with continuity correction",
    r_method = w$method,
    n_nonzero = sum(post - pre != 0),
    estimate = unname(w$estimate), estimate_name = names(w$estimate),
    ci_low = w$conf.int[1], ci_high = w$conf.int[2],
    achieved_level = attr(w$conf.int, "conf.level"),
    r_warnings = I(run$warnings),
    rank_biserial = rb$r_rank_biserial, rb_ci_low = rb$CI_low, rb_ci_high = rb$CI_high
  )
}

paired_set <- function(pre, post, about, levels = LEVELS) {
  pre <- as_stored(pre)
  post <- as_stored(post)
  list(about = about, pre = pre, post = post,
       results = lapply(levels, function(l) one_level(pre, post, l)))
}

no_ties_no_zeros <- function(pre, post) {
  d <- as_stored(post) - as_stored(pre)
  all(d != 0) && !anyDuplicated(abs(d))
}

sets <- list()

# (a) datasets::sleep: drug 2 as post, drug 1 as pre; ties and one zero -> normal path.
sets$sleep <- paired_set(sleep$extra[sleep$group == 1], sleep$extra[sleep$group == 2],
                         "datasets::sleep, group 2 minus group 1 (ties and a zero)")

# (b) 12 pairs, no ties and no zeros -> exact path.
set.seed(20260301)
pre_b <- round(runif(12, 2, 4), 2)
post_b <- round(pre_b + rnorm(12, 0.3, 0.5), 2)
stopifnot(no_ties_no_zeros(pre_b, post_b))
sets$exact_12 <- paired_set(pre_b, post_b, "12 pairs, no ties, no zeros (exact path)")

# (c) MASS::anorexia, Postwt vs Prewt within each treatment.
for (g in levels(anorexia$Treat)) {
  a <- anorexia[anorexia$Treat == g, ]
  sets[[paste0("anorexia_", g)]] <- paired_set(a$Prewt, a$Postwt,
                                               paste("MASS::anorexia, Treat ==", g))
}

# (d) Likert scale means: 40 participants x 5 five-point items, mean of the items; many tied
#     and zero differences. Means are multiples of 1/5 (float noise decides some ties, in R and
#     in Python alike, since both compute post - pre on the same doubles).
set.seed(20260302)
n_d <- 40
k_d <- 5
trait <- rnorm(n_d)
items <- function(shift) {
  sapply(seq_len(k_d), function(j)
    pmin(5, pmax(1, round(3.2 + 0.8 * trait + shift + rnorm(n_d, 0, 0.6)))))
}
pre_d <- rowSums(items(0)) / k_d
post_d <- rowSums(items(0.3)) / k_d
post_d[1:6] <- pre_d[1:6]  # unchanged participants
sets$likert_40 <- paired_set(pre_d, post_d, "40 Likert scale means (5 items), ties and zeros")

# (e) 60 pairs, no ties -> normal path without tie correction.
set.seed(20260303)
pre_e <- round(rnorm(60, 3, 0.6), 4)
post_e <- round(pre_e + rnorm(60, 0.2, 0.5), 4)
stopifnot(no_ties_no_zeros(pre_e, post_e))
sets$large_60 <- paired_set(pre_e, post_e, "60 pairs, no ties, no zeros (normal path)")

# Corner cases of R's rules.
sets$all_tied <- paired_set(c(3, 3.5, 4, 2.5, 3), c(3, 4.5, 5, 3.5, 4),
                            "differences 0, 1, 1, 1, 1: no CI, estimate is the midrange")
sets$tiny_with_zero <- paired_set(c(1, 1, 1), c(1, 2, 3),
                                  "differences 0, 1, 2: the level cannot be reached")
sets$exact_4 <- paired_set(c(2, 3, 4, 5), c(2.5, 4, 3.8, 7),
                           "4 pairs, exact path, level not achievable")
# Career options a pupil can name, before and after; zeros among the post values change
# effectsize 0.8.3's standard error (it counts nonzero post values, not nonzero differences).
sets$counts_zero_post <- paired_set(
  c(2, 0, 1, 3, 1, 2, 0, 4, 1, 2, 3, 0, 1, 2, 5),
  c(4, 0, 3, 3, 0, 5, 2, 6, 0, 4, 5, 1, 3, 2, 7),
  "counts with zeros among the post values"
)

# Exact path for every n from 2 to 49: differences +-(1:n)/4, no ties, no zeros.
sweep <- lapply(2:49, function(n) {
  d <- (1:n) / 4 * ifelse((1:n) %% 3 == 0, -1, 1)
  paired_set(rep(3, n), 3 + d, paste("exact sweep, n =", n))
})
names(sweep) <- paste0("n", 2:49)

# Normal path on random Likert-like data of many sizes: exercises R's root finder.
set.seed(20260304)
random <- lapply(1:25, function(i) {
  n <- sample(c(5:30, 45, 60, 90), 1)
  pre <- sample(1:5, n, replace = TRUE) + sample(0:3, n, replace = TRUE) / 4
  post <- pmin(6, pre + sample(c(-1, -0.5, -0.25, 0, 0.25, 0.5, 1, 1.5), n, replace = TRUE))
  paired_set(pre, post, paste("random Likert-like, n =", n), levels = 0.95)
})
names(random) <- sprintf("r%02d", 1:25)

# effectsize 0.8.3 ranks a constant vector of differences as all positive, so it reports
# r = +1 when every participant declined by the same amount; the Python code reports -1.
quirk <- rank_biserial(c(1, 2, 3), c(2, 3, 4), paired = TRUE, verbose = FALSE)

out <- list(
  generated_by = paste("tests/reference/nonparametric.R;", R.version.string,
                       "; effectsize", as.character(packageVersion("effectsize"))),
  sets = sets,
  sweep = sweep,
  random = random,
  effectsize_constant_decline = list(pre = c(2, 3, 4), post = c(1, 2, 3),
                                     rank_biserial = quirk$r_rank_biserial)
)
write_json(out, "nonparametric.json", digits = NA, auto_unbox = TRUE, na = "null",
           pretty = TRUE)
cat("wrote nonparametric.json\n")
