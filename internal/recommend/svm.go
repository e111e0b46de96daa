package recommend

import (
	"math"
	"math/rand/v2"
)

// SVM settings for TrainSVM.
type SVM struct {
	// C is the penalty of each example's loss, per class: CPos for
	// positives, CNeg for negatives (balanced class weights set them
	// apart).
	CPos, CNeg float64
	// Eps is the stopping tolerance on the projected gradient's spread,
	// as liblinear's eps.
	Eps float64
	// MaxIter bounds the passes over the examples.
	MaxIter int
	// Seed orders the passes, so that training is repeatable.
	Seed uint64
	// Weight, when set, scales each example's penalty (a signal's weight).
	Weight []float64
}

// TrainSVM fits an L2-regularised linear SVM with the squared hinge loss
// (scikit-learn's LinearSVC, liblinear's L2R_L2LOSS_SVC_DUAL) by dual
// coordinate descent with shrinking, as liblinear does (Hsieh et al.,
// ICML 2008). It is written here because no well-kept Go library trains
// a linear SVM. xs are the examples (features below dim), pos says which
// are positive. The bias is a constant feature of value 1, regularised
// like the rest, as LinearSVC's intercept_scaling=1 does; it is
// returned as w[dim].
func TrainSVM(xs []Sparse, pos []bool, dim int, opt SVM) []float64 {
	n := len(xs)
	w := make([]float64, dim+1)
	if n == 0 {
		return w
	}
	// The squared hinge loss has no upper bound on alpha; its diagonal
	// term is 1/(2C).
	diag := func(i int) float64 {
		c := opt.CNeg
		if pos[i] {
			c = opt.CPos
		}
		if opt.Weight != nil {
			c *= opt.Weight[i]
		}
		return 0.5 / c
	}
	qd := make([]float64, n)
	alpha := make([]float64, n)
	index := make([]int, n)
	diags := make([]float64, n)
	for i, x := range xs {
		diags[i] = diag(i)
		qd[i] = diags[i] + x.norm2() + 1 // + the bias feature
		index[i] = i
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 19))
	active := n
	pgMaxOld := math.Inf(1)
	for iter := 0; iter < opt.MaxIter; iter++ {
		pgMax, pgMin := math.Inf(-1), math.Inf(1)
		for i := range active {
			j := i + rng.IntN(active-i)
			index[i], index[j] = index[j], index[i]
		}
		for s := 0; s < active; s++ {
			i := index[s]
			y := -1.0
			if pos[i] {
				y = 1
			}
			g := y*(xs[i].dotDense(w)+w[dim]) - 1 + alpha[i]*diags[i]
			pg := 0.0
			if alpha[i] == 0 {
				if g > pgMaxOld {
					// Shrink: this example is and will stay outside the margin.
					active--
					index[s], index[active] = index[active], index[s]
					s--
					continue
				}
				if g < 0 {
					pg = g
				}
			} else {
				pg = g
			}
			pgMax, pgMin = max(pgMax, pg), min(pgMin, pg)
			if math.Abs(pg) > 1e-12 {
				old := alpha[i]
				alpha[i] = max(alpha[i]-g/qd[i], 0)
				d := (alpha[i] - old) * y
				for k, f := range xs[i].Idx {
					w[f] += d * float64(xs[i].Val[k])
				}
				w[dim] += d
			}
		}
		if pgMax-pgMin <= opt.Eps {
			if active == n {
				break
			}
			// Converged on the active set: check every example again.
			active = n
			pgMaxOld = math.Inf(1)
			continue
		}
		// (liblinear's lower bound is of no use here: alpha has no upper bound.)
		pgMaxOld = pgMax
		if pgMaxOld <= 0 {
			pgMaxOld = math.Inf(1)
		}
	}
	return w
}

// balancedC gives the per-class penalties of scikit-learn's
// class_weight="balanced": each class weighs n / (2 · its size).
func balancedC(c float64, nPos, nNeg int) (cPos, cNeg float64) {
	n := float64(nPos + nNeg)
	return c * n / (2 * float64(max(nPos, 1))), c * n / (2 * float64(max(nNeg, 1)))
}
