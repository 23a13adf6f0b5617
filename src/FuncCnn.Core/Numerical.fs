/// Finite-difference gradients, so anyone can check a gradient: ours, or their own function's.
module FuncCnn.Core.Numerical

open FuncCnn

open FuncCnn.Core
/// The gradient of a scalar function by central differences with step `eps`, in double precision
/// around the float32 evaluations.
let gradient (eps: float32) (f: Tensor -> Tensor) (x: Tensor) : Tensor =
    let data = x.ToArray()
    let eval () = float ((f (Tensor.ofArray x.Dims data)).ToScalar())
    let g =
        Array.init data.Length (fun i ->
            let orig = data.[i]
            data.[i] <- orig + eps
            let up = eval ()
            data.[i] <- orig - eps
            let down = eval ()
            data.[i] <- orig
            float32 ((up - down) / (2.0 * float eps)))
    Tensor.wrap (Array.copy x.Dims) g

/// How an analytic gradient compares with finite differences.
type GradientCheck =
    { /// Largest |analytic - numeric| over all elements.
      MaxAbsError: float32
      /// Index of that element.
      WorstIndex: int
      Analytic: Tensor
      Numeric: Tensor
      /// Every element within atol + rtol * |numeric|.
      Passed: bool }

/// Compares `Autodiff.grad f x` with central differences.
let checkGradient (eps: float32) (rtol: float32) (atol: float32) (f: Tensor -> Tensor) (x: Tensor) : GradientCheck =
    let analytic = Autodiff.grad f x
    let numeric = gradient eps f x
    let a, n = analytic.Data, numeric.Data
    let errors = Array.init a.Length (fun i -> abs (a.[i] - n.[i]))
    let worst = if errors.Length = 0 then 0 else Array.findIndex ((=) (Array.max errors)) errors
    { MaxAbsError = (if errors.Length = 0 then 0.0f else errors.[worst])
      WorstIndex = worst
      Analytic = analytic
      Numeric = numeric
      Passed = Array.forall2 (fun (e: float32) (v: float32) -> e <= atol + rtol * abs v) errors n }
