/// Optimizers as pure state transitions (JAX `optimizers`): written once for one tensor, lifted
/// to the parameter tree. A learning-rate schedule is just a function from step to rate.
module FuncCnn.Core.Optim

open FuncCnn

open FuncCnn.Core
open System
open System.Runtime.Intrinsics

/// The update rule and its hyper-parameters (the learning rate comes from the schedule).
type Optimizer =
    /// v = momentum * v + g;  p = p - lr * v   (PyTorch's form; momentum 0 is plain SGD).
    | Sgd of momentum: float32
    /// Adam with bias correction; eps is added to the square root of the corrected second moment.
    /// Keras uses eps = 1e-7, PyTorch 1e-8.
    | Adam of beta1: float32 * beta2: float32 * eps: float32

/// Keras' Adam defaults (beta1 0.9, beta2 0.999, eps 1e-7).
let adamKeras = Adam(0.9f, 0.999f, 1e-7f)
/// PyTorch's Adam defaults (eps 1e-8).
let adamTorch = Adam(0.9f, 0.999f, 1e-8f)

/// The optimizer's memory: the step count and one moment tree per slot (SGD: velocity; Adam: m, v).
type OptimizerState = { Step: int; Moments: ParamTree list }

/// A learning rate per step (0-based).
type Schedule = int -> float32

module Schedule =
    let constant (rate: float32) : Schedule = fun _ -> rate
    /// rate * factor ^ (step / everySteps), stepped.
    let exponentialDecay (rate: float32) (factor: float32) (everySteps: int) : Schedule =
        fun step -> rate * pown factor (step / max 1 everySteps)

let private validate (optimizer: Optimizer) =
    match optimizer with
    | Sgd m when not (m >= 0.0f && m < 1.0f) -> Fail.value "sgd: momentum must be in [0, 1), got %g" m
    | Adam(b1, b2, eps) when not (b1 >= 0.0f && b1 < 1.0f && b2 >= 0.0f && b2 < 1.0f && eps > 0.0f) ->
        Fail.value "adam: need 0 <= beta1, beta2 < 1 and eps > 0, got beta1 %g, beta2 %g, eps %g" b1 b2 eps
    | _ -> ()

/// Fresh state for a parameter tree: zero moments, step 0.
let init (optimizer: Optimizer) (parameters: ParamTree) : OptimizerState =
    validate optimizer
    let zeros () = parameters |> ParamTree.map (fun t -> Tensor.zeros t.Dims)
    { Step = 0
      Moments = match optimizer with Sgd _ -> [ zeros () ] | Adam _ -> [ zeros (); zeros () ] }

/// One SGD-with-momentum step for one tensor written into pOut and vOut, which may be p and v
/// themselves (each element is read before it is written).
let internal sgdStepInto (lr: float32) (momentum: float32) (p: float32[]) (v: float32[]) (g: float32[]) (pOut: float32[]) (vOut: float32[]) =
    for i in 0 .. p.Length - 1 do
        let vi = momentum * v.[i] + g.[i]
        vOut.[i] <- vi
        pOut.[i] <- p.[i] - lr * vi

/// One SGD-with-momentum step for one tensor: (new parameter, new velocity).
let sgdStep (lr: float32) (momentum: float32) (p: float32[]) (v: float32[]) (g: float32[]) =
    let p', v' = Array.zeroCreate p.Length, Array.zeroCreate p.Length
    sgdStepInto lr momentum p v g p' v'
    p', v'

/// One Adam step for one tensor at step t (1-based): (new parameter, new m, new v).
let rec adamStep (lr: float32) (beta1: float32) (beta2: float32) (eps: float32) (t: int) (p: float32[]) (m: float32[]) (v: float32[]) (g: float32[]) =
    let n = p.Length
    let m' = Array.zeroCreate n
    let v' = Array.zeroCreate n
    let p' = Array.zeroCreate n
    adamStepInto lr beta1 beta2 eps t p m v g p' m' v'
    p', m', v'

/// adamStep written into p', m', v', which may be p, m, v themselves (each element is read
/// before it is written).
and internal adamStepInto (lr: float32) (beta1: float32) (beta2: float32) (eps: float32) (t: int)
                         (p: float32[]) (m: float32[]) (v: float32[]) (g: float32[]) (p': float32[]) (m': float32[]) (v': float32[]) =
    // bias corrections in double: 1 - beta^t loses digits in float32 for large t
    let c1 = float32 (1.0 - pown (float beta1) t)
    let c2 = float32 (1.0 - pown (float beta2) t)
    // Eight elements at a time with exactly the scalar loop's operations in its order (separate
    // multiplies and adds, IEEE division and square root), so the bits are the same; the rest scalar.
    let range (first: int) (count: int) =
        let mutable start = first
        let stop = first + count
        if Vector256.IsHardwareAccelerated && count >= 8 then
            let b1, ob1 = Vector256.Create beta1, Vector256.Create(1.0f - beta1)
            let b2, ob2 = Vector256.Create beta2, Vector256.Create(1.0f - beta2)
            let vc1, vc2, vlr, veps = Vector256.Create c1, Vector256.Create c2, Vector256.Create lr, Vector256.Create eps
            let whole = first + count / 8 * 8
            let mutable i = first
            while i < whole do
                let gi = Vector256.Create<float32>(ReadOnlySpan(g, i, 8))
                let mi = b1 * Vector256.Create<float32>(ReadOnlySpan(m, i, 8)) + ob1 * gi
                let vi = b2 * Vector256.Create<float32>(ReadOnlySpan(v, i, 8)) + ob2 * gi * gi
                let pi = Vector256.Create<float32>(ReadOnlySpan(p, i, 8)) - vlr * (mi / vc1) / (Vector256.Sqrt(vi / vc2) + veps)
                mi.CopyTo(Span(m', i, 8))
                vi.CopyTo(Span(v', i, 8))
                pi.CopyTo(Span(p', i, 8))
                i <- i + 8
            start <- whole
        for i in start .. stop - 1 do
            let mi = beta1 * m.[i] + (1.0f - beta1) * g.[i]
            let vi = beta2 * v.[i] + (1.0f - beta2) * g.[i] * g.[i]
            m'.[i] <- mi
            v'.[i] <- vi
            p'.[i] <- p.[i] - lr * (mi / c1) / (sqrt (vi / c2) + eps)
    // Every element is independent, so chunks on both cores give the same bits (on one thread this
    // and the ReLUs were a step's serial stretches, long enough for the kernels' worker to fall asleep).
    Kernels.Setup.parallelChunks p.Length range

/// One step over the whole tree, updating only the leaves whose path `trainable` accepts
/// (the rest, and their moments, stay as they are: that is how layers are frozen).
let updateWhere (trainable: string -> bool) (optimizer: Optimizer) (lr: float32) (state: OptimizerState)
                (parameters: ParamTree) (grads: ParamTree) : ParamTree * OptimizerState =
    if not (System.Single.IsFinite lr) || lr < 0.0f then Fail.value "optimizer: learning rate must be a finite number >= 0, got %g" lr
    let t = state.Step + 1
    let paths = ParamTree.leaves parameters |> List.map fst
    let ps = ParamTree.leaves parameters |> List.map snd
    let gs = ParamTree.leaves grads |> List.map snd
    if List.length gs <> List.length ps then Fail.shape "optimizer: %d gradients for %d parameters" (List.length gs) (List.length ps)
    let moments = state.Moments |> List.map (ParamTree.leaves >> List.map snd)
    let stepped =
        List.zip3 paths ps gs
        |> List.mapi (fun i (path, p, g) ->
            if p.Dims <> g.Dims then Fail.shape "optimizer: gradient %s does not match parameter '%s' %s" (Shape.show g.Dims) path (Shape.show p.Dims)
            let slots = moments |> List.map (fun leaves -> List.item i leaves)
            if not (trainable path) then p, slots
            else
                match optimizer, slots with
                | Sgd momentum, [ v ] ->
                    let p', v' = sgdStep lr momentum p.Data v.Data g.Data
                    Tensor.wrap p.Dims p', [ Tensor.wrap p.Dims v' ]
                | Adam(b1, b2, eps), [ m; v ] ->
                    let p', m', v' = adamStep lr b1 b2 eps t p.Data m.Data v.Data g.Data
                    Tensor.wrap p.Dims p', [ Tensor.wrap p.Dims m'; Tensor.wrap p.Dims v' ]
                | _ -> Fail.value "optimizer: the state does not belong to %A" optimizer)
    let newParams = ParamTree.withLeaves (stepped |> List.map fst) parameters
    let newMoments =
        state.Moments |> List.mapi (fun k tree -> ParamTree.withLeaves (stepped |> List.map (fun (_, slots) -> List.item k slots)) tree)
    newParams, { Step = t; Moments = newMoments }

/// updateWhere written into the arrays of `parameters` and `state`'s moments themselves: for a
/// fit loop that owns its state (it copied the caller's at the start and never hands an
/// intermediate one out), so a step allocates no new parameters or moments. Same bits as updateWhere.
let internal updateWhereInPlace (trainable: string -> bool) (optimizer: Optimizer) (lr: float32) (state: OptimizerState)
                                (parameters: ParamTree) (grads: ParamTree) : OptimizerState =
    if not (System.Single.IsFinite lr) || lr < 0.0f then Fail.value "optimizer: learning rate must be a finite number >= 0, got %g" lr
    let t = state.Step + 1
    let ps = ParamTree.leaves parameters |> Array.ofList
    let gs = ParamTree.leaves grads |> Array.ofList
    if gs.Length <> ps.Length then Fail.shape "optimizer: %d gradients for %d parameters" gs.Length ps.Length
    let moments = state.Moments |> List.map (ParamTree.leaves >> List.map snd >> Array.ofList) |> Array.ofList
    for i in 0 .. ps.Length - 1 do
        let path, p = ps.[i]
        let g = snd gs.[i]
        if p.Dims <> g.Dims then Fail.shape "optimizer: gradient %s does not match parameter '%s' %s" (Shape.show g.Dims) path (Shape.show p.Dims)
        if trainable path then
            match optimizer, moments with
            | Sgd momentum, [| v |] -> sgdStepInto lr momentum p.Data v.[i].Data g.Data p.Data v.[i].Data
            | Adam(b1, b2, eps), [| m; v |] -> adamStepInto lr b1 b2 eps t p.Data m.[i].Data v.[i].Data g.Data p.Data m.[i].Data v.[i].Data
            | _ -> Fail.value "optimizer: the state does not belong to %A" optimizer
    { state with Step = t }

/// A deep copy of an optimizer state (fresh moment arrays).
let internal copyState (state: OptimizerState) : OptimizerState =
    { state with Moments = state.Moments |> List.map (ParamTree.map (fun t -> Tensor.wrap t.Dims (Array.copy t.Data))) }

/// One step over the whole tree.
let update (optimizer: Optimizer) (lr: float32) (state: OptimizerState) (parameters: ParamTree) (grads: ParamTree) =
    updateWhere (fun _ -> true) optimizer lr state parameters grads
