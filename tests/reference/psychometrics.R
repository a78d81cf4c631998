# Reference values for pkm-eval's psychometrics, categories and gain.
# Run: cd tests/reference && Rscript psychometrics.R   (writes psychometrics.json)
# Packages: psych (alpha, alpha.ci, fa), jsonlite. Every number the tests compare is written
# here by R; the Python side never sees these formulas' results until the test.
suppressPackageStartupMessages({ library(psych); library(jsonlite) })

# ---- reliability of one scale: psych::alpha + one-factor minres omega -------------------
reliability <- function(x, use) {
  if (use == "listwise") x <- x[complete.cases(x), , drop = FALSE]
  a <- psych::alpha(x, warnings = FALSE, use = "pairwise", check.keys = FALSE)
  n <- sum(rowSums(!is.na(x)) > 0)
  ci <- psych::alpha.ci(a$total$raw_alpha, n, ncol(x))
  R <- cor(x, use = "pairwise")
  f <- psych::fa(R, nfactors = 1, fm = "minres", n.obs = n)
  l <- as.vector(f$loadings)
  list(
    n = n, k = ncol(x),
    alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha,
    alpha_ci_low = ci$lower.ci, alpha_ci_high = ci$upper.ci,
    omega_total = sum(l)^2 / (sum(l)^2 + sum(1 - l^2)),
    loadings = l,
    item_total_r = a$item.stats$raw.r,
    item_rest_r = a$item.stats$r.drop,
    alpha_if_deleted = a$alpha.drop$raw_alpha
  )
}

# ---- 1. psych::bfi with its keys (items 1-6; reverse = 7 - x) ------------------------------
keys <- list(A = c("-A1", "A2", "A3", "A4", "A5"), C = c("C1", "C2", "C3", "-C4", "-C5"),
             E = c("-E1", "-E2", "E3", "E4", "E5"), N = c("N1", "N2", "N3", "N4", "N5"),
             O = c("O1", "-O2", "O3", "O4", "-O5"))
items <- unique(sub("-", "", unlist(keys)))
bfi_items <- psych::bfi[, items]
bfi <- list(items = lapply(bfi_items, function(v) v), keys = keys, scales = list())
for (s in names(keys)) {
  cols <- sub("-", "", keys[[s]])
  x <- bfi_items[, cols]
  for (j in seq_along(cols)) if (startsWith(keys[[s]][j], "-")) x[, j] <- 7 - x[, j]
  bfi$scales[[s]] <- list(pairwise = reliability(x, "pairwise"),
                          listwise = reliability(x, "listwise"))
}

# ---- 2. A Likert pre/post set: 60 participants x 8 five-point items, items 3 and 7 reversed
set.seed(4242)
n <- 60; k <- 8; rev_items <- c(3, 7)
person <- rnorm(n)
make <- function(shift) {
  m <- sapply(1:k, function(j) pmin(5, pmax(1, round(3 + 0.9 * (person + shift) + rnorm(n, 0, 0.8)))))
  m[, rev_items] <- 6 - m[, rev_items]
  m[sample(length(m), 10)] <- NA
  m
}
pre <- make(0); post <- make(0.6)
post[1, ] <- pre[1, ]                      # one participant with post equal to pre
pre[2, ] <- c(5, 5, 1, 5, 5, 5, 1, 5)      # one participant at the ceiling before (keyed: all 5)
key <- function(m) { m[, rev_items] <- 6 - m[, rev_items]; m }
score <- function(m) {                     # mean of answered keyed items if >= 80% answered
  kd <- key(m); answered <- rowSums(!is.na(kd))
  ifelse(answered >= ceiling(0.8 * k), rowMeans(kd, na.rm = TRUE), NA)
}
pre_mean <- score(pre); post_mean <- score(post)
pre_sum <- pre_mean * k; post_sum <- post_mean * k
pomp <- function(m) (m - 1) / 4 * 100

# Azwar categories (lower bound inclusive) from hypothetical and empirical norms on sums
azwar <- function(x, M, SD, levels) {
  if (levels == 3) {
    cut(x, c(-Inf, M - SD, M + SD, Inf), right = FALSE, labels = c("rendah", "sedang", "tinggi"))
  } else {
    cut(x, c(-Inf, M - 1.5 * SD, M - 0.5 * SD, M + 0.5 * SD, M + 1.5 * SD, Inf), right = FALSE,
        labels = c("sangat rendah", "rendah", "sedang", "tinggi", "sangat tinggi"))
  }
}
hyp_M <- (k * 5 + k * 1) / 2; hyp_SD <- (k * 5 - k * 1) / 6
emp_M <- mean(pre_sum, na.rm = TRUE); emp_SD <- sd(pre_sum, na.rm = TRUE)
cats <- list()
for (norm in c("hypothetical", "empirical")) for (lv in c(3, 5)) {
  M <- if (norm == "hypothetical") hyp_M else emp_M
  SD <- if (norm == "hypothetical") hyp_SD else emp_SD
  cats[[paste(norm, lv, sep = "_")]] <- list(
    M = M, SD = SD,
    pre = as.character(azwar(pre_sum, M, SD, lv)), post = as.character(azwar(post_sum, M, SD, lv)))
}

# Normalized gain on POMP (0-100): per participant, and Hake's class average g of means
p0 <- pomp(pre_mean); p1 <- pomp(post_mean)
complete <- !is.na(p0) & !is.na(p1)
g <- ifelse(p0 < 100, (p1 - p0) / (100 - p0), NA)
g_class <- (mean(p1[complete]) - mean(p0[complete])) / (100 - mean(p0[complete]))
marx <- ifelse(p1 > p0, (p1 - p0) / (100 - p0),
        ifelse(p1 < p0, (p1 - p0) / p0, ifelse(p0 == 100 | p0 == 0, NA, 0)))
hake <- function(v) ifelse(is.na(v), NA, ifelse(v >= 0.7, "high", ifelse(v >= 0.3, "medium", "low")))
effect <- function(pct) ifelse(is.na(pct), NA, ifelse(pct >= 76, "efektif",
          ifelse(pct >= 56, "cukup efektif", ifelse(pct >= 40, "kurang efektif", "tidak efektif"))))

# pre -> post movement between hypothetical 3-level categories, complete pairs only
lv <- c("rendah", "sedang", "tinggi")
c_pre <- match(cats$hypothetical_3$pre, lv); c_post <- match(cats$hypothetical_3$post, lv)
both <- !is.na(c_pre) & !is.na(c_post)
shift <- list(up = sum(c_post[both] > c_pre[both]), stayed = sum(c_post[both] == c_pre[both]),
              down = sum(c_post[both] < c_pre[both]))
hk <- hake(g)[complete & !is.na(g)]
hake_shares <- list(high = mean(hk == "high"), medium = mean(hk == "medium"),
                    low = mean(hk == "low"))

likert <- list(
  n_items = k, reverse_items = rev_items, pre_items = pre, post_items = post,
  pre_mean = pre_mean, post_mean = post_mean,
  reliability = list(pre = list(pairwise = reliability(key(pre), "pairwise"),
                                listwise = reliability(key(pre), "listwise")),
                     post = list(pairwise = reliability(key(post), "pairwise"),
                                 listwise = reliability(key(post), "listwise"))),
  categories = cats, shift_hypothetical_3 = shift, hake_shares = hake_shares,
  gain = list(g = g, g_class = g_class, g_mean = mean(g[complete], na.rm = TRUE),
              hake = hake(g), hake_class = hake(g_class),
              effectiveness_mean_pct = 100 * mean(g[complete], na.rm = TRUE),
              effectiveness = effect(100 * mean(g[complete], na.rm = TRUE)),
              marx_cummings = marx)
)

# ---- 3. critical r of the t distribution (two-tailed alpha .05, df = N - 2) ---------------
crit <- sapply(c(20, 30, 50, 100), function(N) { t <- qt(0.975, N - 2); t / sqrt(N - 2 + t^2) })

out <- list(generated_by = paste("tests/reference/psychometrics.R;", R.version.string,
                                 "; psych", as.character(packageVersion("psych"))),
            bfi = bfi, likert = likert,
            critical_r = list(N = c(20, 30, 50, 100), r = crit))
write_json(out, "psychometrics.json", digits = NA, auto_unbox = TRUE, na = "null")
cat("wrote psychometrics.json\n")
