/* arbstat.h: statistics for pairs trading (arbscan stat): a Kalman filter that tracks the hedge
 * ratio and intercept of y = beta * x + alpha as they drift. Doubles: these are statistics, no
 * money is involved.
 *
 * State model: the state s_t = (beta_t, alpha_t) follows a random walk,
 *   s_t = s_{t-1} + w_t,   w_t ~ N(0, Vw * I),   Vw = delta / (1 - delta),
 * observed through
 *   y_t = beta_t * x_t + alpha_t + v_t,   v_t ~ N(0, Ve).
 * It starts at s_0 = (0, 0) with covariance P_0 = 0. Each update (H = (x_t, 1)):
 *   R = P + Vw * I;  e = y_t - H s;  Q = H R H' + Ve;  K = R H' / Q;  s += K e;  P = R - K H R
 * e is the forecast error, Q its variance: e / sqrt(Q) is the spread's z-score. delta near 0
 * makes the ratio nearly fixed (close to a regression over all the past), larger lets it move. */
#ifndef LYRA_ARBSTAT_H
#define LYRA_ARBSTAT_H

struct lyra_kalman {
	double beta, alpha;   /* the state after the last update */
	double P[2][2];       /* its covariance */
	double vw, ve;
	double e, q;          /* the last forecast error and its variance */
	long n;               /* updates so far */
};

/* delta in (0, 1), ve > 0. */
void lyra_kalman_init(struct lyra_kalman *k, double delta, double ve);
void lyra_kalman_update(struct lyra_kalman *k, double x, double y);

#endif
