# Reference values from R's survival package for jakreg's survival statistics.
#
# Writes small fixed cohorts and what R computes on them into tests/reference/fixtures/; the
# tests in tests/unit/analysis/test_against_r.py compare jakreg with these files and need no R.
# Regenerate (from the repository root, after `apt-get install r-base-core r-cran-survival`):
#   Rscript tests/reference/survival_reference.R
# and commit the fixtures together with the R and survival versions written in versions.csv.
suppressPackageStartupMessages(library(survival))
out <- file.path("tests", "reference", "fixtures")
dir.create(out, showWarnings = FALSE, recursive = TRUE)
write <- function(frame, name) {
  write.csv(frame, file.path(out, name), row.names = FALSE, na = "")
}

# Kaplan-Meier cohorts, each built for one convention of survfit.
km_cohorts <- rbind(
  # S reaches exactly 0.5 at day 5 and stays there until day 8: the median is 6.5.
  data.frame(cohort = "plateau", time = c(1, 2, 3, 4, 5, 8, 9, 10, 12, 15),
             event = c(1, 1, 1, 1, 1, 1, 0, 1, 0, 0)),
  # The last course stops: S reaches 0, where the log(-log) band is undefined.
  data.frame(cohort = "reaches_zero", time = c(2, 3, 3, 4, 5, 7, 7, 9, 11),
             event = c(1, 1, 1, 0, 1, 1, 1, 1, 1)),
  # Most courses censored: S never reaches 0.5.
  data.frame(cohort = "not_reached", time = c(3, 5, 8, 8, 10, 12, 15, 20, 30, 40),
             event = c(1, 0, 1, 0, 0, 0, 1, 0, 0, 0)),
  # S is exactly 0.5 after the last event; later times are censored.
  data.frame(cohort = "last_plateau", time = c(1, 2, 4, 6, 6, 9, 11),
             event = c(0, 1, 1, 0, 1, 0, 0))
)
set.seed(13)
km_cohorts <- rbind(km_cohorts, data.frame(
  cohort = "tied_days", time = sample(5:400, 80, replace = TRUE) %/% 10 * 10,
  event = rbinom(80, 1, 0.7)))
write(km_cohorts, "km_cohorts.csv")

km_rows <- list()
median_rows <- list()
for (name in unique(km_cohorts$cohort)) {
  cohort <- km_cohorts[km_cohorts$cohort == name, ]
  fit <- survfit(Surv(time, event) ~ 1, data = cohort, conf.type = "log-log")
  km_rows[[name]] <- data.frame(cohort = name, time = fit$time, n_risk = fit$n.risk,
                                surv = fit$surv, lower = fit$lower, upper = fit$upper)
  q <- quantile(fit, 0.5)
  median_rows[[name]] <- data.frame(cohort = name, median = unname(q$quantile),
                                    lower = unname(q$lower), upper = unname(q$upper))
}
write(do.call(rbind, km_rows), "km_expected.csv")
write(do.call(rbind, median_rows), "median_expected.csv")

# A registry-like cohort: three centers, patients with several next treatments, tied days,
# and a switching effect that fades with time (so the proportional-hazards test has work to do).
set.seed(2026)
n <- 300
patients <- sample(1:190, n, replace = TRUE)
cohort <- data.frame(
  center_id = c("alpha", "beta", "gamma")[(patients %% 3) + 1],
  patient = patients,
  switching = rbinom(n, 1, 0.55),
  age_per_10_years = round(rnorm(n, 55, 12)) / 10,
  male = rbinom(n, 1, 0.3),
  prior_advanced_lines = rpois(n, 1.2),
  indication = sample(c("RA", "PsA", "axSpA"), n, replace = TRUE, prob = c(0.6, 0.25, 0.15))
)
cohort$indication_PsA <- as.integer(cohort$indication == "PsA")
cohort$indication_axSpA <- as.integer(cohort$indication == "axSpA")
frailty <- rnorm(190, 0, 0.4)[cohort$patient]
rate <- exp(-6 - 0.5 * cohort$switching + 0.1 * cohort$prior_advanced_lines + frailty)
early <- rexp(n, rate * 2)
late <- rexp(n, rate)
event_time <- ifelse(cohort$switching == 1, ifelse(early < 200, early, 200 + late), early)
censor_time <- runif(n, 30, 1200)
cohort$retention_days <- pmax(1, ceiling(pmin(event_time, censor_time)))
cohort$retention_event <- as.integer(event_time <= censor_time)
cohort$strategy <- ifelse(cohort$switching == 1, "switching", "cycling")
write(cohort, "cox_cohort.csv")

model <- coxph(
  Surv(retention_days, retention_event) ~ switching + age_per_10_years + male +
    prior_advanced_lines + indication_PsA + indication_axSpA + strata(center_id),
  data = cohort, ties = "efron", cluster = patient
)
s <- summary(model)
zph_rank <- cox.zph(model, transform = "rank")$table
zph_km <- cox.zph(model, transform = "km")$table
terms <- names(coef(model))
write(data.frame(
  term = c(terms, "GLOBAL"),
  hazard_ratio = c(unname(exp(coef(model))), NA),
  robust_se = c(unname(sqrt(diag(model$var))), NA),
  ci95_low = c(unname(s$conf.int[, "lower .95"]), NA),
  ci95_high = c(unname(s$conf.int[, "upper .95"]), NA),
  ph_p_rank = unname(zph_rank[c(terms, "GLOBAL"), "p"]),
  ph_p_km = unname(zph_km[c(terms, "GLOBAL"), "p"])
), "cox_expected.csv")

pooled <- survdiff(Surv(retention_days, retention_event) ~ strategy, data = cohort)
stratified <- survdiff(
  Surv(retention_days, retention_event) ~ strategy + strata(center_id), data = cohort
)
write(data.frame(test = c("pooled", "stratified by center"),
                 chi2 = c(pooled$chisq, stratified$chisq)), "logrank_expected.csv")
write(data.frame(r = R.version.string, survival = as.character(packageVersion("survival"))),
      "versions.csv")
