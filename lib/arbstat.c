/* arbstat.c: the Kalman-filter hedge ratio (see arbstat.h for the model). */
#include <string.h>

#include "arbstat.h"

void lyra_kalman_init(struct lyra_kalman *k, double delta, double ve)
{
	memset(k, 0, sizeof *k);
	k->vw = delta / (1 - delta);
	k->ve = ve;
}

void lyra_kalman_update(struct lyra_kalman *k, double x, double y)
{
	double R[2][2] = { { k->P[0][0] + k->vw, k->P[0][1] }, { k->P[1][0], k->P[1][1] + k->vw } };
	double h[2] = { x, 1 };
	/* R H' (R is symmetric, so H R is its transpose) */
	double rh[2] = { R[0][0] * h[0] + R[0][1] * h[1], R[1][0] * h[0] + R[1][1] * h[1] };
	double q = h[0] * rh[0] + h[1] * rh[1] + k->ve;
	double e = y - (k->beta * x + k->alpha);
	double K[2] = { rh[0] / q, rh[1] / q };
	k->beta += K[0] * e;
	k->alpha += K[1] * e;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			k->P[i][j] = R[i][j] - K[i] * rh[j];
	k->e = e;
	k->q = q;
	k->n++;
}
