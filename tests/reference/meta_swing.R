# Reference for pipeline/stats/meta.py on a portfolio where Fisher scoring swings around the
# REML maximum without converging (found by the hypothesis property test_pooling_ignores_program_order):
# four identical programs and one precise one. metafor's default rma() stops with "Fisher scoring
# algorithm did not converge"; with step halving (stepadj = 0.25) it converges.
# Run from the repository root: Rscript tests/reference/meta_swing.R  (writes meta_swing.json)
suppressPackageStartupMessages({ library(jsonlite); library(metafor) })
yi <- c(rep(1.25, 4), 0.5)
vi <- c(rep(0.5, 4), 0.0625)
fit <- rma(yi = yi, vi = vi, method = "REML",
           control = list(stepadj = 0.25, maxiter = 100000, threshold = 1e-12))
out <- list(yi = yi, vi = vi, tau2 = fit$tau2, estimate = as.numeric(fit$b), se = fit$se,
            metafor = as.character(packageVersion("metafor")))
write_json(out, "tests/reference/meta_swing.json", digits = NA, auto_unbox = TRUE)
