/// Functional reverse-mode differentiation: `grad` takes a function and a point and returns values.
/// Each call records onto a fresh tape; constants record nothing; nothing global is mutated.
module FuncCnn.Core.Autodiff

open FuncCnn

open FuncCnn.Core
type private TensorPrimitives = System.Numerics.Tensors.TensorPrimitives

/// The tape the inputs of an op are being differentiated on, if any. Tensors whose tape has
/// finished (they escaped an earlier `grad` call) are constants by now.
let private activeTape (inputs: Tensor[]) : Tape =
    let mutable tape: Tape = null
    for t in inputs do
        let n = t.Node
        if not (isNull n) && not n.Tape.Closed then
            if isNull tape then tape <- n.Tape
            elif not (obj.ReferenceEquals(tape, n.Tape)) then
                Fail.value "autodiff: an op mixes tensors from two different grad calls; nested differentiation is not supported"
    tape

/// Records the result of an op. `backward` maps the gradient of the output to one gradient per
/// input (null where an input needs none); it is only kept when some input is being differentiated.
let internal record (shape: int[]) (data: float32[]) (inputs: Tensor[]) (backward: float32[] -> float32[][]) =
    let tape = activeTape inputs
    if isNull tape then Tensor(shape, data, null)
    else Tensor(shape, data, tape.Record(inputs, backward))

/// True when this input of an op needs a gradient (it is on an open tape).
let internal needsGrad (t: Tensor) = not (isNull t.Node) && not t.Node.Tape.Closed

/// Runs the tape backwards from `output` seeded with `seed`; returns the gradient of each leaf.
let private backprop (tape: Tape) (leaves: Tensor[]) (output: Tensor) (seed: float32[]) : float32[][] =
    let nodes = tape.Nodes
    let grads: float32[][] = Array.zeroCreate nodes.Count
    // A gradient array may be shared (e.g. add passes its gradient to both inputs), so a slot
    // only becomes writable after it has been copied once.
    let owned: bool[] = Array.zeroCreate nodes.Count
    let accumulate (id: int) (g: float32[]) =
        match grads.[id] with
        | null -> grads.[id] <- g
        | existing when owned.[id] -> TensorPrimitives.Add(System.ReadOnlySpan existing, System.ReadOnlySpan g, System.Span existing)
        | existing ->
            let sum = Kernels.Setup.uninitialized existing.Length
            TensorPrimitives.Add(System.ReadOnlySpan existing, System.ReadOnlySpan g, System.Span sum)
            grads.[id] <- sum
            owned.[id] <- true
    if not (isNull output.Node) && obj.ReferenceEquals(output.Node.Tape, tape) then
        accumulate output.Node.Id seed
    let leafCount = leaves.Length
    for i in nodes.Count - 1 .. -1 .. leafCount do
        let g = grads.[i]
        if not (isNull g) then
            let node = nodes.[i]
            let parentGrads = node.Backward g
            for j in 0 .. node.Parents.Length - 1 do
                let pg = parentGrads.[j]
                let p = node.Parents.[j].Node
                if not (isNull pg) && not (isNull p) && obj.ReferenceEquals(p.Tape, tape) then
                    if pg.Length <> node.Parents.[j].Numel then
                        failwithf "autodiff internal error: gradient of length %d for an input of shape %s" pg.Length (Shape.show node.Parents.[j].Dims)
                    accumulate p.Id pg
            grads.[i] <- null // free intermediate gradients as soon as they are consumed
    Array.init leafCount (fun i -> match grads.[i] with null -> Kernels.Setup.zeroed leaves.[i].Numel | g -> g)

/// The core of every public function: evaluates `f` on tracked copies of `inputs` and pulls
/// `seed` (or 1 for a scalar output) back to each input.
let private differentiate (inputs: Tensor[]) (f: Tensor[] -> Tensor) (seed: Tensor option) : Tensor * Tensor[] =
    let tape = Tape()
    let leaves = inputs |> Array.map (fun x -> Tensor(x.Dims, x.Data, tape.Record([||], fun _ -> [||])))
    let output =
        try f leaves
        finally tape.Closed <- true
    let seedData =
        match seed with
        | Some s ->
            if s.Dims <> output.Dims then
                Fail.shape "vjp: the seed gradient has shape %s but the function's output has shape %s" (Shape.show s.Dims) (Shape.show output.Dims)
            s.Data
        | None ->
            if output.Numel <> 1 then
                Fail.shape "grad: the function must return a scalar (one element) but returned shape %s; use vjp for other outputs" (Shape.show output.Dims)
            [| 1.0f |]
    let grads = backprop tape leaves output seedData
    output.Detach(), Array.mapi (fun i (g: float32[]) -> Tensor.wrap inputs.[i].Dims g) grads

/// The value of a scalar function of a tensor and its gradient there.
let valueAndGrad (f: Tensor -> Tensor) (x: Tensor) : Tensor * Tensor =
    let v, g = differentiate [| x |] (fun xs -> f xs.[0]) None
    v, g.[0]

/// The gradient of a scalar function of a tensor.
let grad (f: Tensor -> Tensor) (x: Tensor) : Tensor = valueAndGrad f x |> snd

/// The value of a scalar function of a parameter tree and its gradient as a tree of the same shape.
let valueAndGradParams (f: ParamTree -> Tensor) (p: ParamTree) : Tensor * ParamTree =
    let leaves = ParamTree.leaves p |> List.map snd |> Array.ofList
    let v, g = differentiate leaves (fun xs -> f (ParamTree.withLeaves xs p)) None
    v, ParamTree.withLeaves g p

/// The gradient of a scalar function of a parameter tree.
let gradParams (f: ParamTree -> Tensor) (p: ParamTree) : ParamTree = valueAndGradParams f p |> snd

/// Value and gradients of a scalar function of both parameters and an input (e.g. saliency maps).
let valueAndGradBoth (f: ParamTree -> Tensor -> Tensor) (p: ParamTree) (x: Tensor) : Tensor * ParamTree * Tensor =
    let leaves = ParamTree.leaves p |> List.map snd |> Array.ofList
    let n = leaves.Length
    let v, g = differentiate (Array.append leaves [| x |]) (fun xs -> f (ParamTree.withLeaves xs.[0 .. n - 1] p) xs.[n]) None
    v, ParamTree.withLeaves g.[0 .. n - 1] p, g.[n]

/// Vector-Jacobian products for a function of several tensors with any output shape:
/// the output and, for each input, the gradient of sum(output * seed).
let vjpMany (f: Tensor[] -> Tensor) (inputs: Tensor[]) (seed: Tensor) : Tensor * Tensor[] =
    differentiate inputs f (Some seed)

/// Vector-Jacobian product of a function of one tensor.
let vjp (f: Tensor -> Tensor) (x: Tensor) (seed: Tensor) : Tensor * Tensor =
    let v, g = differentiate [| x |] (fun xs -> f xs.[0]) (Some seed)
    v, g.[0]
