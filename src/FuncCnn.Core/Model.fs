namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core
open System
open System.Text
open FuncCnn.Core.Nn

/// A stack of layers as data (stax's `serial`): a single layer is an architecture of one, and
/// architectures compose with `Architecture.append` or the `-->` operator.
type Architecture = { Specs: LayerSpec list }

/// A layer placed in a built model: its unique name and the shapes inferred for it (batch excluded).
type BuiltLayer =
    { Name: string
      Spec: LayerSpec
      InputShape: int[]
      OutputShape: int[]
      /// Number of scalar parameters.
      ParamCount: int }

/// A built model: layers with resolved names and inferred shapes, and one immutable parameter tree
/// with a branch per layer that has parameters (`conv2d/kernel`, `conv2d/bias`, ...).
type Model =
    { Layers: BuiltLayer list
      /// One example's shape, e.g. (C,H,W) = [1,28,28]; batches are NCHW.
      InputShape: int[]
      OutputShape: int[]
      Params: ParamTree }

/// One row of a model summary.
/// Shape is the layer's output shape without the batch; Count its number of parameters.
type SummaryRow = { Layer: string; Type: string; Shape: int[]; Count: int; Trainable: bool }

/// A Keras-style summary: a row per layer and the totals.
type Summary = { Rows: SummaryRow list; TotalParams: int; TrainableParams: int; NonTrainableParams: int }

module Architecture =
    /// An architecture of the given layers in order.
    let ofSpecs (specs: LayerSpec seq) = { Specs = List.ofSeq specs }

    /// One layer's architecture.
    let single (spec: LayerSpec) = { Specs = [ spec ] }

    /// `a` followed by `b`.
    let append (a: Architecture) (b: Architecture) = { Specs = a.Specs @ b.Specs }

    /// The architectures in order, one after the other (stax's `serial`).
    let serial (parts: Architecture seq) = { Specs = parts |> Seq.collect (fun a -> a.Specs) |> List.ofSeq }

    /// Unique names, Keras style: user-given names are kept (and must be unique); the others get
    /// their kind's stem, then stem_1, stem_2, ... skipping names already taken.
    let resolveNames (arch: Architecture) : (string * LayerSpec) list =
        let given = arch.Specs |> List.choose Layer.name
        match given |> List.countBy id |> List.tryFind (fun (_, c) -> c > 1) with
        | Some(dup, _) -> Fail.value "two layers are named '%s'; layer names must be unique" dup
        | None -> ()
        given |> List.iter (fun n ->
            if String.IsNullOrWhiteSpace n || n.Contains '/' then Fail.value "layer name '%s' must be non-empty and contain no '/'" n)
        let taken = Collections.Generic.HashSet<string>(given)
        let counters = Collections.Generic.Dictionary<string, int>()
        arch.Specs |> List.map (fun spec ->
            match Layer.name spec with
            | Some n -> n, spec
            | None ->
                let stem = Layer.kind spec
                let rec next k =
                    let candidate = if k = 0 then stem else sprintf "%s_%d" stem k
                    if taken.Contains candidate then next (k + 1) else candidate, k
                let n, k = next (match counters.TryGetValue stem with | true, k -> k | _ -> 0)
                counters.[stem] <- k + 1
                taken.Add n |> ignore
                n, Layer.withName n spec)

    /// Names and shapes of every layer for an input shape (batch excluded), without drawing any
    /// parameters. A layer that does not fit fails here, naming itself and the shapes.
    let infer (inputShape: int[]) (arch: Architecture) : BuiltLayer list =
        if isNull inputShape || inputShape.Length = 0 || inputShape |> Array.exists (fun d -> d < 1) then
            Fail.shape "model input shape %s must be non-empty positive sizes, batch excluded: (C,H,W) for images (NCHW), (features) for vectors"
                (if isNull inputShape then "null" else Shape.show inputShape)
        if arch.Specs.IsEmpty then Fail.value "a model needs at least one layer"
        resolveNames arch
        |> List.mapFold (fun shape (name, spec) ->
            let out = Layer.outputShape name spec shape
            let count = Layer.parameterShapes spec shape |> List.sumBy (snd >> Shape.numel64)
            if count > int64 Int32.MaxValue then
                Fail.shape "layer '%s' (%s) would have %d parameters, more than a model can count (%d)" name (Layer.describe spec) count Int32.MaxValue
            let count = int count
            { Name = name; Spec = spec; InputShape = shape; OutputShape = out; ParamCount = count }, out) (Array.copy inputShape)
        |> fst

    /// stax's init: output shape and parameters for an input shape. Each layer's generator is
    /// derived from its name, so adding a layer does not change the others' initial values.
    let init (rng: Rng) (inputShape: int[]) (arch: Architecture) : int[] * ParamTree =
        let layers = infer inputShape arch
        let tree =
            Branch(layers |> List.choose (fun l ->
                match Layer.init (Rng.fold l.Name rng) l.Spec l.InputShape with
                | Branch [] -> None
                | p -> Some(l.Name, p)))
        (List.last layers).OutputShape, tree

module Model =
    /// Builds a model: resolves names, infers every shape from the input shape (batch excluded,
    /// (C,H,W) for images) and draws the initial parameters from the generator.
    let build (rng: Rng) (inputShape: int[]) (arch: Architecture) : Model =
        let layers = Architecture.infer inputShape arch
        let _, p = Architecture.init rng inputShape arch
        { Layers = layers; InputShape = Array.copy inputShape; OutputShape = (List.last layers).OutputShape; Params = p }

    /// The model's architecture with every layer under its resolved name.
    let architecture (model: Model) = { Specs = model.Layers |> List.map (fun l -> l.Spec) }

    /// The layer's branch of a parameter tree (empty for layers without parameters).
    let private layerParams (p: ParamTree) (name: string) =
        match p with
        | Branch children -> match children |> List.tryFind (fun (n, _) -> n = name) with Some(_, b) -> b | None -> ParamTree.empty
        | Leaf _ -> ParamTree.empty

    let private checkInput (model: Model) (x: Tensor) =
        let dims = x.Dims
        if dims.Length <> model.InputShape.Length + 1 || dims.[1..] <> model.InputShape then
            Fail.shape "model input must have shape [N,%s] (batch first; images are NCHW), got %s"
                (model.InputShape |> Array.map string |> String.concat ",") (Shape.show dims)

    /// Runs the layers in order, calling `observe` with each layer's name and output.
    let private run (layers: BuiltLayer list) (p: ParamTree) (mode: Mode) (rng: Rng) (x: Tensor) (observe: string -> Tensor -> unit) =
        layers |> List.fold (fun x l ->
            let y = Layer.apply l.Spec (layerParams p l.Name) mode (Rng.fold l.Name rng) x
            observe l.Name y
            y) x

    /// run without observers, where a ReLU convolution followed by max pooling is computed as the
    /// convolution, the pooling and then the ReLU in one op (Nn.conv2dMaxPoolRelu): ReLU commutes
    /// with max (values, the chosen window element and so the gradients are the same bits), and this
    /// way the ReLU and its gradient pass over the pooled output instead of the four times larger
    /// convolution output, which is never kept.
    let rec private runFused (layers: BuiltLayer list) (p: ParamTree) (mode: Mode) (rng: Rng) (x: Tensor) =
        let applyLayer (l: BuiltLayer) (spec: LayerSpec) x = Layer.apply spec (layerParams p l.Name) mode (Rng.fold l.Name rng) x
        match layers with
        | { Spec = Conv2D({ Activation = Relu } as conv); Name = name } :: { Spec = MaxPool2D pool } :: rest ->
            runFused rest p mode rng (Layer.applyConvMaxPoolRelu conv pool (layerParams p name) x)
        | l :: rest -> runFused rest p mode rng (applyLayer l l.Spec x)
        | [] -> x

    /// The forward pass with the given parameters (e.g. inside a gradient) on a batch.
    let apply (model: Model) (p: ParamTree) (mode: Mode) (rng: Rng) (x: Tensor) : Tensor =
        checkInput model x
        runFused model.Layers p mode rng x

    /// True when the last layer ends with a softmax (the output is probabilities).
    let endsInSoftmax (model: Model) = Layer.activation (List.last model.Layers).Spec = Softmax

    /// The forward pass up to the logits: like apply, but a final softmax is left out so the
    /// fused, stable cross-entropy can take the logits.
    let applyLogits (model: Model) (p: ParamTree) (mode: Mode) (rng: Rng) (x: Tensor) : Tensor =
        checkInput model x
        if endsInSoftmax model then
            let layers = model.Layers
            let last = List.last layers
            let front = runFused (List.take (layers.Length - 1) layers) p mode rng x
            match last.Spec with
            | ActivationLayer _ -> front
            | spec -> Layer.apply (Layer.withActivation Linear spec) (layerParams p last.Name) mode (Rng.fold last.Name rng) front
        else runFused model.Layers p mode rng x

    /// The model's output on a batch in Eval mode with its own parameters.
    let predictRaw (model: Model) (x: Tensor) =
        Kernels.Setup.IdleWorkspaces.run (fun () ->
            let y = apply model model.Params Eval (Rng.create 0L) x
            Tensor.wrap y.Dims (Array.copy y.Data))

    /// The output of every layer, by layer name, beside the model's output (Flax's `sow`).
    let applyWithActivations (model: Model) (p: ParamTree) (mode: Mode) (rng: Rng) (x: Tensor) : Tensor * (string * Tensor) list =
        checkInput model x
        let seen = Collections.Generic.List<string * Tensor>()
        let y = run model.Layers p mode rng x (fun n t -> seen.Add((n, t)))
        y, List.ofSeq seen

    /// Feature maps of every layer for one input (C,H,W) or a batch, in Eval mode.
    let activations (model: Model) (x: Tensor) : (string * Tensor) list =
        let batch = if x.Rank = model.InputShape.Length then Ops.reshape (Array.append [| 1 |] x.Dims) x else x
        applyWithActivations model model.Params Eval (Rng.create 0L) batch |> snd

    /// The layer with this name, or an error listing the names there are.
    let layer (name: string) (model: Model) =
        match model.Layers |> List.tryFind (fun l -> l.Name = name) with
        | Some l -> l
        | None -> Fail.value "the model has no layer '%s'; its layers are: %s" name (model.Layers |> List.map (fun l -> l.Name) |> String.concat ", ")

    /// The model with one layer's parameters replaced (Keras' `set_weights`): `values` maps parameter
    /// names ("kernel", "bias") to new values, each checked against the parameter's shape (Conv2D
    /// kernels [filters, C, kh, kw], Conv2DTranspose [C, filters, kh, kw], Dense [inputs, units]) and
    /// for finite values. Parameters not given keep their values. Fails naming the layer, the parameter
    /// and both shapes.
    let withWeights (layerName: string) (values: (string * Tensor) list) (model: Model) : Model =
        let l = layer layerName model
        let shapes = Layer.parameterShapes l.Spec l.InputShape
        if shapes.IsEmpty then
            let withParams = model.Layers |> List.filter (fun x -> x.ParamCount > 0) |> List.map (fun x -> x.Name)
            Fail.value "layer '%s' (%s) has no weights to set; the layers with weights are: %s" layerName (Layer.typeName l.Spec) (String.concat ", " withParams)
        for (name, t) in values do
            match shapes |> List.tryFind (fun (n, _) -> n = name) with
            | None ->
                Fail.value "layer '%s' (%s) has no parameter '%s'; it has: %s" layerName (Layer.typeName l.Spec) name (shapes |> List.map fst |> String.concat ", ")
            | Some(_, shape) ->
                if t.Dims <> shape then
                    Fail.shape "layer '%s' (%s): the %s must have shape %s, got %s" layerName (Layer.typeName l.Spec) name (Shape.show shape) (Shape.show t.Dims)
                match Array.tryFindIndex (fun (v: float32) -> not (Single.IsFinite v)) t.Data with
                | Some i -> Fail.value "layer '%s': %s value %d is %g (not finite)" layerName name i t.Data.[i]
                | None -> ()
        let replaced =
            ParamTree.mapWithPath (fun path t ->
                match values |> List.tryFind (fun (n, _) -> path = layerName + "/" + n) with
                | Some(_, v) -> Tensor.wrap (Array.copy v.Dims) (Array.copy v.Data)
                | None -> t) model.Params
        { model with Params = replaced }

    /// The model's first layers up to and including `name`, with their parameters (e.g. a trained
    /// classifier's encoder).
    let truncateAfter (name: string) (model: Model) : Model =
        layer name model |> ignore
        let i = model.Layers |> List.findIndex (fun l -> l.Name = name)
        let kept = List.take (i + 1) model.Layers
        let names = kept |> List.map (fun l -> l.Name) |> Set.ofList
        let p = match model.Params with Branch cs -> Branch(cs |> List.filter (fun (n, _) -> names.Contains n)) | leaf -> leaf
        { model with Layers = kept; OutputShape = (List.last kept).OutputShape; Params = p }

    /// The model followed by new layers: the existing layers keep their names and parameters; the
    /// new ones are named (Keras style, avoiding existing names), shape-checked and initialized.
    let extend (rng: Rng) (extra: Architecture) (model: Model) : Model =
        let arch = Architecture.append (architecture model) extra
        let layers = Architecture.infer model.InputShape arch
        let oldNames = model.Layers |> List.map (fun l -> l.Name) |> Set.ofList
        let fresh =
            layers |> List.filter (fun l -> not (oldNames.Contains l.Name)) |> List.choose (fun l ->
                match Layer.init (Rng.fold l.Name rng) l.Spec l.InputShape with
                | Branch [] -> None
                | p -> Some(l.Name, p))
        let old = match model.Params with Branch cs -> cs | Leaf _ -> []
        { Layers = layers; InputShape = model.InputShape; OutputShape = (List.last layers).OutputShape; Params = Branch(old @ fresh) }

    /// Fails with InvalidValueException naming the first of `names` the model has no layer of, and
    /// listing the layers it has (`what` says where the names came from, e.g. "FrozenLayers").
    let requireLayers (what: string) (names: string seq) (model: Model) =
        let have = model.Layers |> List.map (fun l -> l.Name)
        for n in names do
            if not (List.contains n have) then
                Fail.value "%s names layer '%s', which the model does not have; its layers are: %s" what n (String.concat ", " have)

    /// A predicate over parameter paths that is false for the named layers' parameters (frozen).
    let frozen (layerNames: string seq) : string -> bool =
        let names = Set.ofSeq layerNames
        fun (path: string) ->
            let layerName = match path.IndexOf '/' with -1 -> path | i -> path.Substring(0, i)
            not (names.Contains layerName)

    /// The summary, counting as trainable the parameters `trainable` accepts (by path).
    let summaryWith (trainable: string -> bool) (model: Model) : Summary =
        let paths = ParamTree.leaves model.Params
        // one pass over the parameters, grouped by layer name: linear in the number of layers
        let untrainable = Collections.Generic.HashSet<string>()
        for p, _ in paths do
            if not (trainable p) then
                untrainable.Add(match p.IndexOf '/' with -1 -> p | i -> p.Substring(0, i)) |> ignore
        let rows =
            model.Layers |> List.map (fun l ->
                { Layer = l.Name; Type = Layer.typeName l.Spec; Shape = l.OutputShape; Count = l.ParamCount
                  Trainable = not (untrainable.Contains l.Name) })
        let total = ParamTree.count model.Params
        let trainableCount = paths |> List.sumBy (fun (p, t) -> if trainable p then t.Numel else 0)
        { Rows = rows; TotalParams = total; TrainableParams = trainableCount; NonTrainableParams = total - trainableCount }

    /// The summary with every parameter trainable.
    let summary (model: Model) = summaryWith (fun _ -> true) model

    /// The summary as a Keras-style text table (shapes are (C,H,W), batch shown as None).
    let summaryText (s: Summary) =
        let n (v: int) = v.ToString("N0", Globalization.CultureInfo.InvariantCulture)
        let rows =
            s.Rows |> List.map (fun r ->
                sprintf "%s (%s)" r.Layer r.Type, "(None, " + (r.Shape |> Array.map string |> String.concat ", ") + ")", n r.Count)
        let header = ("Layer (type)", "Output Shape", "Param #")
        let all = header :: rows
        let w1 = all |> List.map (fun (a, _, _) -> a.Length) |> List.max |> max 28
        let w2 = all |> List.map (fun (_, b, _) -> b.Length) |> List.max |> max 20
        let w3 = all |> List.map (fun (_, _, c) -> c.Length) |> List.max |> max 8
        let line (c: char) = String(c, w1 + w2 + w3 + 4)
        let fmt (a: string, b: string, c: string) = a.PadRight w1 + "  " + b.PadRight w2 + "  " + c.PadLeft w3
        let sb = StringBuilder()
        sb.AppendLine(line '_').AppendLine(fmt header).AppendLine(line '=') |> ignore
        let last = List.length rows - 1
        rows |> List.iteri (fun i r ->
            sb.AppendLine(fmt r) |> ignore
            if i < last then sb.AppendLine(line '_') |> ignore)
        sb.AppendLine(line '=')
          .AppendLine("Total params: " + n s.TotalParams)
          .AppendLine("Trainable params: " + n s.TrainableParams)
          .AppendLine("Non-trainable params: " + n s.NonTrainableParams)
          .Append(line '_')
        |> ignore
        sb.ToString()

/// Turns what `-->` receives into an architecture: an architecture as it is, or a layer builder
/// still waiting for its activation (`dense 10`), completed with Linear.
type ArchitectureConversion =
    static member ToArchitecture(a: Architecture) = a
    static member ToArchitecture(f: Activation -> Architecture) = f Linear

/// The model-building vocabulary, so a model reads like the notebooks:
/// `conv2d 32 3 relu --> maxPool 2 --> conv2d 64 3 relu --> maxPool 2 --> flatten --> dense 64 relu --> dense 10`.
/// Every builder returns a one-layer Architecture; `named` gives a layer a name.
module Layers =
    let linear = Linear
    let relu = Relu
    let tanh = Tanh
    let sigmoid = Sigmoid
    let softmax = Softmax

    /// Conv2D defaults (Keras): stride 1, valid padding, bias, Glorot-uniform kernel, zero bias.
    let convSpec (filters: int) (kernel: int) (activation: Activation) : ConvSpec =
        { Name = None; Filters = filters; Kernel = (kernel, kernel); Strides = (1, 1); Padding = Padding.Valid
          Activation = activation; UseBias = true; KernelInit = GlorotUniform; BiasInit = Zeros }

    /// Dense defaults (Keras): bias, Glorot-uniform kernel, zero bias.
    let denseSpec (units: int) (activation: Activation) : DenseSpec =
        { DenseName = None; Units = units; DenseActivation = activation; DenseUseBias = true
          DenseKernelInit = GlorotUniform; DenseBiasInit = Zeros }

    /// Any layer spec as a one-layer architecture.
    let layer (spec: LayerSpec) = Architecture.single spec

    /// Conv2D with `filters` square `kernel`s, stride 1, valid padding.
    let conv2d (filters: int) (kernel: int) (activation: Activation) = layer (Conv2D(convSpec filters kernel activation))
    /// Conv2D with "same" padding (output size = input size at stride 1).
    let conv2dSame (filters: int) (kernel: int) (activation: Activation) =
        layer (Conv2D { convSpec filters kernel activation with Padding = Padding.Same })
    /// Conv2D from a full spec (strides, padding, bias, initializers).
    let conv2dWith (spec: ConvSpec) = layer (Conv2D spec)
    /// Conv2DTranspose with square kernels, the given stride and "same" padding (output = input * stride).
    let conv2dTranspose (filters: int) (kernel: int) (stride: int) (activation: Activation) =
        layer (Conv2DTranspose { convSpec filters kernel activation with Strides = (stride, stride); Padding = Padding.Same })
    /// Conv2DTranspose from a full spec.
    let conv2dTransposeWith (spec: ConvSpec) = layer (Conv2DTranspose spec)
    /// Max pooling over size x size windows with stride size.
    let maxPool (size: int) = layer (MaxPool2D { PoolName = None; PoolSize = (size, size); PoolStrides = (size, size) })
    /// Average pooling over size x size windows with stride size.
    let avgPool (size: int) = layer (AvgPool2D { PoolName = None; PoolSize = (size, size); PoolStrides = (size, size) })
    /// Dense (fully connected) layer.
    let dense (units: int) (activation: Activation) = layer (Dense(denseSpec units activation))
    /// Dense from a full spec.
    let denseWith (spec: DenseSpec) = layer (Dense spec)
    /// Dropout with the given rate (active in Train mode only).
    let dropout (rate: float32) = layer (Dropout(None, rate))
    /// [N, ...] → [N, features] in (C,H,W) order.
    let flatten = layer (Flatten None)
    /// [N, ...] → [N, target...]; the target excludes the batch, e.g. [|64; 7; 7|] (NCHW).
    let reshape (target: int[]) = layer (Reshape(None, Array.copy target))
    /// A layer that only applies an activation.
    let activation (a: Activation) = layer (ActivationLayer(None, a))

    /// Gives a one-layer architecture a name (it becomes the parameter prefix, e.g. "conv1/kernel").
    let named (name: string) (arch: Architecture) =
        match arch.Specs with
        | [ spec ] -> { Specs = [ Layer.withName name spec ] }
        | specs -> Fail.value "named '%s': expects one layer, got %d" name specs.Length

    /// The architectures in order (stax's `serial`).
    let serial (parts: Architecture list) = Architecture.serial parts

    /// The conversion behind `toArchitecture`, with its witness type.
    let inline convertWith (witness: ^W) (x: ^T) : Architecture =
        ((^W or ^T): (static member ToArchitecture: ^T -> Architecture) x)

    /// Converts an Architecture, or a builder waiting for its activation, to an Architecture.
    let inline toArchitecture x = convertWith Unchecked.defaultof<ArchitectureConversion> x

    /// `a` followed by `b`. Either side may be a builder without its activation (`dense 10`).
    let inline (-->) a b = Architecture.append (toArchitecture a) (toArchitecture b)
