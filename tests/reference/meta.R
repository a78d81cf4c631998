# Reference values for pipeline/stats/meta.py: metafor's escalc (SMCR, SMCC, controlled SMCR),
# rma (REML, DL, each with and without test = "knha"), predict (prediction interval) and the
# subgroup moderator model rma(yi, vi, mods = ~ factor(g)).
# Run from the repository root: Rscript tests/reference/meta.R   (writes tests/reference/meta.json)
# R 4.2, metafor 3.8-1. REML is run with threshold = 1e-12 (metafor's default stops at 1e-5),
# so that its tau2 is as tight as the Python side's 1e-10.
# Signs: escalc's mean change is m1i - m2i, so m1i = post and m2i = pre gives post minus pre;
# for SMCR the standardizer is sd1i, which is set to the PRE-test SD.
suppressPackageStartupMessages({ library(jsonlite); library(metafor) })

tight <- list(threshold = 1e-12, maxiter = 1000)

# A hypothetical funder's portfolio: 12 career-guidance programs, scale means on a 1-5 scale.
portfolio <- data.frame(
  program = sprintf("P%02d", 1:12),
  setting = rep(c("pesantren", "village", "campus"), each = 4),
  m_pre   = c(3.10, 2.95, 3.20, 3.05, 2.80, 2.92, 2.70, 3.00, 3.35, 3.41, 3.28, 3.50),
  m_post  = c(3.62, 3.30, 3.95, 3.28, 3.05, 3.10, 3.21, 3.07, 3.60, 3.72, 3.44, 3.58),
  sd_pre  = c(0.55, 0.61, 0.48, 0.66, 0.70, 0.64, 0.73, 0.59, 0.52, 0.47, 0.55, 0.50),
  sd_post = c(0.50, 0.58, 0.44, 0.63, 0.69, 0.66, 0.62, 0.61, 0.49, 0.45, 0.54, 0.51),
  r       = c(0.62, 0.55, 0.48, 0.70, 0.58, 0.66, 0.51, 0.74, 0.63, 0.59, 0.68, 0.71),
  n       = c(34, 28, 41, 22, 37, 25, 19, 45, 60, 52, 73, 38))
smcr <- escalc("SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, ri = r, ni = n,
               data = portfolio)
smcc <- escalc("SMCC", m1i = m_post, m2i = m_pre, sd1i = sd_post, sd2i = sd_pre, ri = r,
               ni = n, data = portfolio)

# Five controlled pre/post studies after the worked example of Morris (2008) (only the inputs
# matter here): each arm's SMCR on its own pre-test SD, difference treatment minus control.
morris_t <- data.frame(m_pre = c(30.6, 23.5, 0.5, 53.4, 35.6),
                       m_post = c(38.5, 26.8, 0.7, 75.9, 36.0),
                       sd_pre = c(15.0, 3.1, 0.1, 14.5, 4.7),
                       n = c(20, 50, 9, 10, 14), r = c(0.47, 0.64, 0.77, 0.89, 0.44))
morris_c <- data.frame(m_pre = c(23.1, 24.9, 0.6, 55.7, 34.8),
                       m_post = c(19.7, 25.3, 0.6, 60.7, 33.4),
                       sd_pre = c(13.8, 4.1, 0.2, 17.3, 3.1),
                       n = c(20, 42, 9, 11, 14), r = c(0.47, 0.64, 0.77, 0.89, 0.44))
arm <- function(d) escalc("SMCR", m1i = m_post, m2i = m_pre, sd1i = sd_pre, ri = r, ni = n,
                          data = d)
et <- arm(morris_t); ec <- arm(morris_c)
morris <- list(treatment = morris_t, control = morris_c,
               yi = as.numeric(et$yi - ec$yi), vi = as.numeric(et$vi + ec$vi))

fit_record <- function(yi, vi, method, knha, control = tight) {
  test <- if (knha) "knha" else "z"
  m <- suppressWarnings(rma(yi, vi, method = method, test = test, control = control))
  pr <- predict(m)
  list(k = m$k, estimate = as.numeric(m$b), se = m$se, ci_low = m$ci.lb, ci_high = m$ci.ub,
       statistic = m$zval, p = m$pval, test = m$test,
       pi_low = if (m$k > 1) pr$pi.lb else NA, pi_high = if (m$k > 1) pr$pi.ub else NA,
       tau2 = m$tau2, tau2_se = m$se.tau2, I2 = m$I2, H2 = m$H2,
       Q = m$QE, Q_df = m$k - m$p, Q_p = m$QEp)
}
all_fits <- function(yi, vi, control = tight) {
  list(yi = as.numeric(yi), vi = as.numeric(vi),
       fits = list(REML = fit_record(yi, vi, "REML", FALSE, control),
                   DL = fit_record(yi, vi, "DL", FALSE, control),
                   REML_knha = fit_record(yi, vi, "REML", TRUE, control),
                   DL_knha = fit_record(yi, vi, "DL", TRUE, control)))
}

subgroup_record <- function(yi, vi, g, method, knha) {
  m <- rma(yi, vi, mods = ~ factor(g), method = method, test = if (knha) "knha" else "z",
           control = tight)
  levels <- lapply(sort(unique(g)), function(l) {
    c(list(group = l), fit_record(yi[g == l], vi[g == l], method, knha))
  })
  list(QM = m$QM, QM_df = m$QMdf[1], QM_df2 = m$QMdf[2], QM_p = m$QMp,
       tau2_resid = m$tau2, I2_resid = m$I2, QE = m$QE, QE_df = m$k - m$p, QE_p = m$QEp,
       R2 = m$R2, levels = levels)
}
all_subgroups <- function(yi, vi, g) {
  list(yi = as.numeric(yi), vi = as.numeric(vi), groups = g,
       fits = list(REML = subgroup_record(yi, vi, g, "REML", FALSE),
                   DL = subgroup_record(yi, vi, g, "DL", FALSE),
                   REML_knha = subgroup_record(yi, vi, g, "REML", TRUE),
                   DL_knha = subgroup_record(yi, vi, g, "DL", TRUE)))
}

# Effects that agree within their sampling error: Q < k - 1, so tau2 = 0 by REML and DL.
homogeneous <- list(yi = c(0.50, 0.52, 0.49, 0.51, 0.50), vi = c(0.04, 0.05, 0.03, 0.06, 0.04))
singleton <- c(1, 2, 3, 5, 9, 10)  # pesantren 3, village 1, campus 2
# A restricted likelihood with two maxima (tau2 near 0.32 and 3.27, found by a random search):
# metafor starts Fisher scoring at the Hedges estimate and reaches 3.27; a DL start reaches 0.32.
two_maxima <- list(yi = c(-4.70179341, 0.28038984, 0.9117247),
                   vi = c(4.86908464, 2.43252585e-04, 1.37086382e-03))
# Fisher scoring swings around the maximum with growing steps here (found by hypothesis):
# metafor stops with "did not converge" unless its steps are halved (stepadj = 0.5).
swinging <- list(yi = c(0, 0, 0, 0, 0, 1), vi = c(0.5, 0.5, 0.5, 0.5, 0.5, 0.125))
halved <- c(tight, list(stepadj = 0.5))

out <- list(
  generated_by = paste("tests/reference/meta.R;", R.version.string),
  metafor_version = as.character(packageVersion("metafor")),
  effects = list(portfolio = c(as.list(portfolio),
                               list(smcr_yi = as.numeric(smcr$yi), smcr_vi = as.numeric(smcr$vi),
                                    smcc_yi = as.numeric(smcc$yi), smcc_vi = as.numeric(smcc$vi))),
                 morris2008 = morris),
  fits = list(portfolio_smcr = all_fits(smcr$yi, smcr$vi),
              portfolio_smcc = all_fits(smcc$yi, smcc$vi),
              morris2008 = all_fits(morris$yi, morris$vi),
              k2 = all_fits(smcr$yi[c(1, 5)], smcr$vi[c(1, 5)]),
              homogeneous = all_fits(homogeneous$yi, homogeneous$vi),
              k1 = all_fits(smcr$yi[3], smcr$vi[3]),
              two_maxima = all_fits(two_maxima$yi, two_maxima$vi),
              swinging = all_fits(swinging$yi, swinging$vi, halved)),
  subgroups = list(portfolio = all_subgroups(smcr$yi, smcr$vi, portfolio$setting),
                   singleton = all_subgroups(smcr$yi[singleton], smcr$vi[singleton],
                                             portfolio$setting[singleton])))
write_json(out, "tests/reference/meta.json", digits = NA, auto_unbox = TRUE, na = "null",
           pretty = TRUE)
cat("wrote tests/reference/meta.json\n")
