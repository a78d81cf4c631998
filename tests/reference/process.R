# Reference values for pkm-eval's dose-response statistics (pipeline/process.py).
# Run: cd tests/reference && Rscript process.R   (writes process.json)
# Data: tests/fixtures/process/dose_gain.csv (sessions attended and gain, three sets).
# Pearson r with its Fisher-z interval and Spearman rho with the asymptotic t p-value come from
# stats::cor.test (method = "spearman", exact = FALSE); the slope of gain on sessions, its
# interval and p-value from lm() and confint(). Each set at ci levels 0.90 and 0.95.
# The quartiles of the service-log durations use quantile(type = 7), R's default.
suppressPackageStartupMessages(library(jsonlite))

data <- read.csv("../fixtures/process/dose_gain.csv")

dose_set <- function(s, level) {
  p <- cor.test(s$sessions, s$gain, method = "pearson", conf.level = level)
  sp <- cor.test(s$sessions, s$gain, method = "spearman", exact = FALSE)
  fit <- lm(gain ~ sessions, data = s)
  ci <- confint(fit, "sessions", level = level)
  list(level = level, n = nrow(s),
       pearson_r = unname(p$estimate), pearson_p = p$p.value,
       pearson_ci_low = p$conf.int[1], pearson_ci_high = p$conf.int[2],
       spearman_rho = unname(sp$estimate), spearman_p = sp$p.value,
       slope = unname(coef(fit)["sessions"]), intercept = unname(coef(fit)["(Intercept)"]),
       slope_p = summary(fit)$coefficients["sessions", "Pr(>|t|)"],
       slope_ci_low = ci[1, 1], slope_ci_high = ci[1, 2])
}

sets <- list()
for (name in unique(data$set)) {
  s <- data[data$set == name, ]
  sets[[name]] <- list(participant = s$participant, sessions = s$sessions, gain = s$gain,
                       results = lapply(c(0.90, 0.95), function(l) dose_set(s, l)))
}

# Durations (hours) of the step "Sesi konseling" in tests/fixtures/process/service_wide.csv.
session_hours <- c(96, 264, 72, 72, 312)
q <- quantile(session_hours, c(0.25, 0.5, 0.75), type = 7)
out <- list(generated_by = paste("tests/reference/process.R;", R.version.string),
            dose_response = sets,
            quartiles = list(hours = session_hours, q1 = q[[1]], median = q[[2]], q3 = q[[3]]))
write_json(out, "process.json", digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE)
cat("wrote process.json\n")
