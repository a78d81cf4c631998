# Reference values for pkm-eval's paired effect sizes, normality, power and multiplicity.
# Run: cd tests/reference && Rscript compare.R   (writes compare.json)
# d_av's interval follows MOTE::d.dep.t.avg (noncentral t on d_av * sqrt(n)); it is computed
# here with R's pt() and uniroot, an implementation independent of scipy's.
suppressPackageStartupMessages({ library(jsonlite); library(MASS); library(effectsize) })

ncp_limits <- function(t, df, level = 0.95) {
  tail <- (1 - level) / 2
  f <- function(ncp, p) suppressWarnings(pt(t, df, ncp)) - p  # far tails only warn
  lo <- uniroot(f, c(t - 40, t + 40), p = 1 - tail, tol = 1e-12)$root
  hi <- uniroot(f, c(t - 40, t + 40), p = tail, tol = 1e-12)$root
  c(lo, hi)
}
J <- function(df) exp(lgamma(df / 2) - log(sqrt(df / 2)) - lgamma((df - 1) / 2))

paired_set <- function(pre, post, alpha = 0.05) {
  n <- length(pre); d <- post - pre
  dav <- mean(d) / ((sd(pre) + sd(post)) / 2)
  lim <- ncp_limits(dav * sqrt(n), n - 1) / sqrt(n)
  sw <- shapiro.test(d)
  dz <- mean(d) / sd(d)
  tt <- t.test(post, pre, paired = TRUE)
  es <- cohens_d(post, pre, paired = TRUE)
  list(pre = pre, post = post, n = n,
       t = unname(tt$statistic), df = unname(tt$parameter), p = tt$p.value,
       mean_diff = unname(tt$estimate), ci_low = tt$conf.int[1], ci_high = tt$conf.int[2],
       dz_low = es$CI_low, dz_high = es$CI_high,
       d_av = dav, d_av_low = lim[1], d_av_high = lim[2],
       g_av = dav * J(n - 1), g_av_low = lim[1] * J(n - 1), g_av_high = lim[2] * J(n - 1),
       shapiro_W = unname(sw$statistic), shapiro_p = sw$p.value,
       dz = dz,
       power_observed = power.t.test(n = n, delta = dz, sd = 1, sig.level = alpha,
                                     type = "one.sample", strict = TRUE)$power,
       dz_detectable = power.t.test(n = n, power = 0.8, sd = 1, sig.level = alpha,
                                    type = "one.sample", strict = TRUE, tol = 1e-10)$delta,
       improved = sum(d > 0), stayed = sum(d == 0), declined = sum(d < 0),
       r_pre_post = cor(pre, post))
}

sets <- list(sleep = paired_set(sleep$extra[1:10], sleep$extra[11:20]))
for (g in levels(anorexia$Treat)) {
  a <- anorexia[anorexia$Treat == g, ]
  sets[[paste0("anorexia_", g)]] <- paired_set(a$Prewt, a$Postwt)
}
p <- c(0.001, 0.012, 0.03, 0.04, 0.2, 0.5)
out <- list(generated_by = paste("tests/reference/compare.R;", R.version.string),
            paired = sets,
            p_values = p, holm = p.adjust(p, "holm"), bh = p.adjust(p, "BH"))
write_json(out, "compare.json", digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
cat("wrote compare.json\n")
