# Reference values for pipeline/stats/arms.py (ANCOVA post ~ pre + arm with k arms) and
# pipeline/stats/repeated.py (mixed ANOVA, k arms x w waves).
# Run: cd tests/reference && Rscript arms.R   (writes arms.json)
# R 4.2.2; car 3.1-1 (Anova type 2), emmeans 1.8.4-1 (emmeans at the mean pre, pairs with
# reverse = TRUE: later arm minus earlier; adjust = "holm"; CIs unadjusted and, as emmeans
# prints them for adjust = "holm", Bonferroni), effectsize 0.8.3 (eta_squared partial, one-sided
# CI), afex 1.2-1 (aov_ez, type 3 sums of squares with contr.sum, correction "GG", es "ges" and
# "pes"; summary() for Mauchly's test and the GG epsilon), jsonlite.
suppressPackageStartupMessages({
  library(jsonlite); library(car); library(emmeans); library(effectsize); library(afex)
})
emm_options(opt.digits = FALSE)

ancova_reference <- function(d, arms, level = 0.95) {
  d <- d[complete.cases(d[c("pre", "post", "arm")]), ]
  d$arm <- factor(d$arm, levels = arms)
  m <- lm(post ~ pre + arm, data = d)
  a2 <- car::Anova(m, type = 2)
  es <- eta_squared(a2, partial = TRUE, ci = level, verbose = FALSE)
  slopes <- car::Anova(lm(post ~ pre * arm, data = d), type = 2)
  em <- summary(emmeans(m, "arm"), level = level)
  pr <- pairs(emmeans(m, "arm"), reverse = TRUE, adjust = "holm")
  ci_none <- confint(pr, adjust = "none", level = level)
  ci_bonf <- confint(pr, level = level)               # emmeans: holm CIs become Bonferroni
  sp <- summary(pr)
  list(n = nrow(d), arms = arms, n_per_arm = as.vector(table(d$arm)),
       mean_pre = mean(d$pre), df_resid = m$df.residual,
       anova = list(term = c("pre", "arm"), ss = a2[c("pre", "arm"), "Sum Sq"],
                    df = a2[c("pre", "arm"), "Df"], F = a2[c("pre", "arm"), "F value"],
                    p = a2[c("pre", "arm"), "Pr(>F)"], ss_resid = a2["Residuals", "Sum Sq"],
                    pes = es$Eta2_partial, pes_ci_low = es$CI_low, pes_ci_high = es$CI_high),
       slopes = list(F = slopes["pre:arm", "F value"], df1 = slopes["pre:arm", "Df"],
                     df2 = slopes["Residuals", "Df"], p = slopes["pre:arm", "Pr(>F)"]),
       means = list(arm = as.character(em$arm), emmean = em$emmean, se = em$SE, df = em$df,
                    ci_low = em$lower.CL, ci_high = em$upper.CL),
       contrasts = list(contrast = as.character(sp$contrast), estimate = sp$estimate,
                        se = sp$SE, df = sp$df, t = sp$t.ratio, p_holm = sp$p.value,
                        p = summary(pairs(emmeans(m, "arm"), reverse = TRUE,
                                          adjust = "none"))$p.value,
                        ci_low = ci_none$lower.CL, ci_high = ci_none$upper.CL,
                        ci_low_bonferroni = ci_bonf$lower.CL,
                        ci_high_bonferroni = ci_bonf$upper.CL))
}

mixed_reference <- function(long, between = "group") {
  fit <- suppressWarnings(suppressMessages(aov_ez(
    "participant_code", "score", long, between = between, within = "wave",
    anova_table = list(correction = "GG", es = c("ges", "pes")))))
  plain <- suppressWarnings(suppressMessages(aov_ez(
    "participant_code", "score", long, between = between, within = "wave",
    anova_table = list(correction = "none", es = c("ges", "pes")))))
  s <- summary(fit)
  uni <- s$univariate.tests
  effects <- rownames(plain$anova_table)
  gg <- fit$anova_table
  out <- list(n = nrow(fit$data$wide), effects = effects,
              ss = uni[effects, "Sum Sq"], ss_error = uni[effects, "Error SS"],
              df1 = plain$anova_table[, "num Df"], df2 = plain$anova_table[, "den Df"],
              F = plain$anova_table[, "F"], p = plain$anova_table[, "Pr(>F)"],
              ges = plain$anova_table[, "ges"], pes = plain$anova_table[, "pes"],
              df1_gg = gg[, "num Df"], df2_gg = gg[, "den Df"], p_gg = gg[, "Pr(>F)"])
  if (!is.null(s$pval.adjustments) && length(s$pval.adjustments)) {
    adj <- s$pval.adjustments
    out$gg_effects <- rownames(adj); out$gg_eps <- unname(adj[, "GG eps"])
    out$mauchly_w <- unname(s$sphericity.tests[, "Test statistic"])
    out$mauchly_p <- unname(s$sphericity.tests[, "p-value"])
  }
  out
}

out <- list(generated_by = paste("tests/reference/arms.R;", R.version.string,
                                 "; car", as.character(packageVersion("car")),
                                 "; emmeans", as.character(packageVersion("emmeans")),
                                 "; effectsize", as.character(packageVersion("effectsize")),
                                 "; afex", as.character(packageVersion("afex"))))

# ---- ANCOVA 1: MASS::anorexia, three arms of 29, 26 and 17 -----------------------------------
data(anorexia, package = "MASS")
ano <- data.frame(arm = as.character(anorexia$Treat), pre = anorexia$Prewt, post = anorexia$Postwt)
out$ancova_anorexia <- list(data = ano, result = ancova_reference(ano, c("Cont", "CBT", "FT")))
out$ancova_anorexia_two <- list(data = ano[ano$arm != "FT", ],
                                result = ancova_reference(ano[ano$arm != "FT", ], c("Cont", "CBT")))

# ---- ANCOVA 2: four arms of unequal size, Likert scale means, gaps in every column ------------
set.seed(1701)
sizes <- c(control = 12, leaflet = 7, workshop = 15, mentoring = 9)
arm <- rep(names(sizes), sizes)
pre <- round(runif(length(arm), 1.5, 4.2) * 8) / 8
effect <- c(control = 0, leaflet = 0.15, workshop = 0.5, mentoring = 0.7)[arm]
post <- pmin(5, round((0.8 + 0.7 * pre + effect + rnorm(length(arm), 0, 0.35)) * 8) / 8)
lik <- data.frame(arm = arm, pre = pre, post = post)
lik$pre[c(4, 30)] <- NA; lik$post[c(9, 21)] <- NA; lik$arm[17] <- NA
out$ancova_likert <- list(data = lik, result = ancova_reference(lik, names(sizes)))

# ---- Mixed 1: afex::obk.long, treatment (control 5, A 4, B 7) x phase (pre, post, fup) -------
data(obk.long, package = "afex")
obk <- aggregate(value ~ id + treatment + phase, data = obk.long, FUN = mean)
obk <- data.frame(participant_code = as.character(obk$id), group = as.character(obk$treatment),
                  wave = as.character(obk$phase), score = obk$value)
out$mixed_obk <- list(data = obk, waves = c("pre", "post", "fup"), result = mixed_reference(obk))

# ---- Mixed 2: four arms of 6, 9, 5, 8 x four waves, three participants missing a wave ---------
set.seed(1702)
sizes <- c(a = 6, b = 9, c = 5, d = 8)
ids <- sprintf("p%02d", seq_len(sum(sizes))); grp <- rep(names(sizes), sizes)
person <- rnorm(length(ids), 0, 0.6)
waves <- c("w0", "w1", "w2", "w3")
trend <- rbind(a = c(0, 0.1, 0.1, 0), b = c(0, 0.6, 0.5, 0.4), c = c(0, 0.9, 1.2, 1.0),
               d = c(0, 0.4, 0.9, 1.3))
sim <- do.call(rbind, lapply(seq_along(ids), function(i) data.frame(
  participant_code = ids[i], group = grp[i], wave = waves,
  score = round((3 + person[i] + trend[grp[i], ] + rnorm(4, 0, c(0.3, 0.5, 0.8, 1.1))) * 4) / 4)))
sim <- sim[!(sim$participant_code %in% c("p03", "p12") & sim$wave == "w3"), ]   # dropouts
sim <- sim[!(sim$participant_code == "p20" & sim$wave == "w1"), ]
out$mixed_sim <- list(data = sim, waves = waves, result = mixed_reference(sim))

# ---- Mixed 3: two arms of 7 and 8 x two waves (sphericity holds trivially) ------------------
two <- sim[sim$wave %in% c("w0", "w2") & sim$group %in% c("b", "d"), ]
two <- two[!(two$participant_code %in% c("p10", "p11")), ]
out$mixed_two_waves <- list(data = two, waves = c("w0", "w2"), result = mixed_reference(two))

write_json(out, "arms.json", digits = NA, auto_unbox = TRUE, na = "null")
cat("wrote arms.json\n")
