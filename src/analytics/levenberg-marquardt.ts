/**
 * A small Levenberg–Marquardt solver for nonlinear least squares with a handful of parameters:
 * minimize Σ r_i(p)² where `residuals(p, out)` writes r(p) into `out`.
 *
 * Marquardt's scaling (damping proportional to diag(JᵀJ), the running maximum of it) makes the
 * step independent of parameter units (W' in J next to τ in s), and Nielsen's update adapts the
 * damping from the gain ratio. The Jacobian is analytic when given, else central differences.
 */
export interface LeastSquaresOptions {
  /** Writes ∂r_i/∂p_j into `out[i * nParams + j]`. */
  jacobian?: (params: Float64Array, out: Float64Array) => void;
  maxIterations?: number;
  /** Stop when every relative step |δ_j| ≤ tolerance · (|p_j| + tolerance). */
  tolerance?: number;
}

export interface LeastSquaresResult {
  params: Float64Array;
  /** Σ r_i² at `params`. */
  cost: number;
  iterations: number;
  converged: boolean;
}

export function levenbergMarquardt(
  residuals: (params: Float64Array, out: Float64Array) => void,
  initial: ArrayLike<number>,
  nResiduals: number,
  options: LeastSquaresOptions = {},
): LeastSquaresResult {
  const n = initial.length;
  const m = nResiduals;
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.tolerance ?? 1e-12;
  let p = Float64Array.from(initial);
  const r = new Float64Array(m);
  const rTrial = new Float64Array(m);
  const jac = new Float64Array(m * n);
  const a = new Float64Array(n * n);
  const g = new Float64Array(n);
  const scale = new Float64Array(n);
  const lhs = new Float64Array(n * n);
  const step = new Float64Array(n);
  const trial = new Float64Array(n);

  residuals(p, r);
  let cost = sumOfSquares(r);
  if (!Number.isFinite(cost)) return { params: p, cost, iterations: 0, converged: false };
  let lambda = 1e-3;
  let nu = 2;
  let iterations = 0;
  let converged = false;
  let needJacobian = true;

  while (iterations < maxIterations) {
    iterations++;
    if (needJacobian) {
      if (options.jacobian) options.jacobian(p, jac);
      else numericJacobian(residuals, p, m, jac);
      a.fill(0);
      g.fill(0);
      for (let i = 0; i < m; i++) {
        const ri = r[i]!;
        const row = i * n;
        for (let j = 0; j < n; j++) {
          const jij = jac[row + j]!;
          g[j]! += jij * ri;
          for (let k = 0; k <= j; k++) a[j * n + k]! += jij * jac[row + k]!;
        }
      }
      for (let j = 0; j < n; j++) {
        for (let k = 0; k < j; k++) a[k * n + j] = a[j * n + k]!;
        scale[j] = Math.max(scale[j]!, a[j * n + j]!, 1e-300);
      }
      needJacobian = false;
      let gradientMax = 0;
      for (let j = 0; j < n; j++)
        gradientMax = Math.max(gradientMax, Math.abs(g[j]!) * Math.max(Math.abs(p[j]!), 1));
      if (gradientMax <= 1e-15 * Math.max(cost, 1e-300)) {
        converged = true;
        break;
      }
    }
    lhs.set(a);
    for (let j = 0; j < n; j++) {
      lhs[j * n + j]! += lambda * scale[j]!;
      step[j] = -g[j]!;
    }
    if (!solveInPlace(lhs, step, n)) {
      lambda *= nu;
      nu *= 2;
      continue;
    }
    for (let j = 0; j < n; j++) trial[j] = p[j]! + step[j]!;
    residuals(trial, rTrial);
    const trialCost = sumOfSquares(rTrial);
    // Predicted reduction: δᵀ(λDδ − g) (from the damped normal equations).
    let predicted = 0;
    for (let j = 0; j < n; j++) predicted += step[j]! * (lambda * scale[j]! * step[j]! - g[j]!);
    let small = true;
    for (let j = 0; j < n; j++) {
      if (Math.abs(step[j]!) > tolerance * (Math.abs(p[j]!) + tolerance)) small = false;
    }
    if (Number.isFinite(trialCost) && trialCost < cost) {
      const rho = (cost - trialCost) / Math.max(predicted, 1e-300);
      const relativeDrop = (cost - trialCost) / Math.max(cost, 1e-300);
      p = Float64Array.from(trial);
      r.set(rTrial);
      cost = trialCost;
      lambda *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
      nu = 2;
      needJacobian = true;
      if (small || relativeDrop < 1e-15) {
        converged = true;
        break;
      }
    } else {
      if (small && lambda > 1e10) {
        converged = true;
        break;
      }
      lambda *= nu;
      nu *= 2;
      if (!Number.isFinite(lambda) || lambda > 1e300) break;
    }
  }
  return { params: p, cost, iterations, converged };
}

function sumOfSquares(r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i]! * r[i]!;
  return s;
}

function numericJacobian(
  residuals: (params: Float64Array, out: Float64Array) => void,
  p: Float64Array,
  m: number,
  out: Float64Array,
): void {
  const n = p.length;
  const plus = new Float64Array(m);
  const minus = new Float64Array(m);
  const q = Float64Array.from(p);
  for (let j = 0; j < n; j++) {
    const h = 1e-6 * Math.max(Math.abs(p[j]!), 1e-3);
    q[j] = p[j]! + h;
    residuals(q, plus);
    q[j] = p[j]! - h;
    residuals(q, minus);
    q[j] = p[j]!;
    for (let i = 0; i < m; i++) out[i * n + j] = (plus[i]! - minus[i]!) / (2 * h);
  }
}

/** Gaussian elimination with partial pivoting; solves a·x = b in place (b becomes x). */
function solveInPlace(a: Float64Array, b: Float64Array, n: number): boolean {
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[pivot * n + c]!)) pivot = r;
    const pv = a[pivot * n + c]!;
    if (pv === 0 || !Number.isFinite(pv)) return false;
    if (pivot !== c) {
      for (let k = 0; k < n; k++) {
        const t = a[c * n + k]!;
        a[c * n + k] = a[pivot * n + k]!;
        a[pivot * n + k] = t;
      }
      const t = b[c]!;
      b[c] = b[pivot]!;
      b[pivot] = t;
    }
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c]! / pv;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k]! -= f * a[c * n + k]!;
      b[r]! -= f * b[c]!;
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = b[c]!;
    for (let k = c + 1; k < n; k++) s -= a[c * n + k]! * b[k]!;
    b[c] = s / a[c * n + c]!;
  }
  return true;
}
