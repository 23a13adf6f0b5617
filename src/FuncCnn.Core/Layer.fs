namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core
open FuncCnn.Core.Nn

/// The nonlinearity a layer applies to its output.
type Activation =
    | Linear
    | Relu
    | Tanh
    | Sigmoid
    /// Over the features of a [batch, features] output (needs a flat input).
    | Softmax

/// How a convolution pads its input (Keras' names).
[<RequireQualifiedAccess>]
type Padding =
    /// No padding: the output shrinks by kernel - 1.
    | Valid
    /// Output size = ceil(input / stride) for Conv2D, input * stride for Conv2DTranspose; the odd
    /// pixel of padding goes bottom/right in both, as in Keras (TensorFlow).
    | Same

/// Conv2D and Conv2DTranspose hyper-parameters.
type ConvSpec =
    { Name: string option
      Filters: int
      /// (height, width)
      Kernel: int * int
      Strides: int * int
      Padding: Padding
      Activation: Activation
      UseBias: bool
      KernelInit: Initializer
      BiasInit: Initializer }

/// MaxPool2D and AvgPool2D hyper-parameters (no padding, floor mode).
type PoolSpec = { PoolName: string option; PoolSize: int * int; PoolStrides: int * int }

/// Dense hyper-parameters. The kernel is [inputs, units], as in Keras.
type DenseSpec =
    { DenseName: string option
      Units: int
      DenseActivation: Activation
      DenseUseBias: bool
      DenseKernelInit: Initializer
      DenseBiasInit: Initializer }

/// One layer as data: the architecture is a list of these, so it can be saved, shown and rebuilt
/// without running code. Every case carries an optional user-given name.
type LayerSpec =
    | Conv2D of ConvSpec
    | Conv2DTranspose of ConvSpec
    | MaxPool2D of PoolSpec
    | AvgPool2D of PoolSpec
    | Dense of DenseSpec
    | Dropout of name: string option * rate: float32
    | Flatten of name: string option
    /// Target shape without the batch dimension (one entry may be -1); images are (C,H,W).
    | Reshape of name: string option * targetShape: int[]
    | ActivationLayer of name: string option * activation: Activation

/// The rules of each layer, derived from its spec: names, shape inference, init and apply.
module Layer =
    /// Keras' default name stem for a layer kind ("conv2d", "max_pooling2d", "dense", ...).
    let kind (spec: LayerSpec) =
        match spec with
        | Conv2D _ -> "conv2d"
        | Conv2DTranspose _ -> "conv2d_transpose"
        | MaxPool2D _ -> "max_pooling2d"
        | AvgPool2D _ -> "average_pooling2d"
        | Dense _ -> "dense"
        | Dropout _ -> "dropout"
        | Flatten _ -> "flatten"
        | Reshape _ -> "reshape"
        | ActivationLayer _ -> "activation"

    /// The name a user gave the layer, if any.
    let name (spec: LayerSpec) =
        match spec with
        | Conv2D c | Conv2DTranspose c -> c.Name
        | MaxPool2D p | AvgPool2D p -> p.PoolName
        | Dense d -> d.DenseName
        | Dropout(n, _) | Flatten n | Reshape(n, _) | ActivationLayer(n, _) -> n

    /// The same layer under another name.
    let withName (newName: string) (spec: LayerSpec) =
        let n = Some newName
        match spec with
        | Conv2D c -> Conv2D { c with Name = n }
        | Conv2DTranspose c -> Conv2DTranspose { c with Name = n }
        | MaxPool2D p -> MaxPool2D { p with PoolName = n }
        | AvgPool2D p -> AvgPool2D { p with PoolName = n }
        | Dense d -> Dense { d with DenseName = n }
        | Dropout(_, r) -> Dropout(n, r)
        | Flatten _ -> Flatten n
        | Reshape(_, s) -> Reshape(n, s)
        | ActivationLayer(_, a) -> ActivationLayer(n, a)

    /// The activation a layer ends with (Linear for layers without one).
    let activation (spec: LayerSpec) =
        match spec with
        | Conv2D c | Conv2DTranspose c -> c.Activation
        | Dense d -> d.DenseActivation
        | ActivationLayer(_, a) -> a
        | _ -> Linear

    /// The same layer with its final activation replaced (layers without one are unchanged).
    let withActivation (a: Activation) (spec: LayerSpec) =
        match spec with
        | Conv2D c -> Conv2D { c with Activation = a }
        | Conv2DTranspose c -> Conv2DTranspose { c with Activation = a }
        | Dense d -> Dense { d with DenseActivation = a }
        | ActivationLayer(n, _) -> ActivationLayer(n, a)
        | other -> other

    /// The Keras name of an activation ("relu"), as written in summaries and model files.
    let activationName (a: Activation) =
        match a with
        | Linear -> "linear"
        | Relu -> "relu"
        | Tanh -> "tanh"
        | Sigmoid -> "sigmoid"
        | Softmax -> "softmax"

    let private pair (a: int, b: int) = sprintf "%dx%d" a b

    /// A short description of the hyper-parameters, for summaries and error messages.
    let describe (spec: LayerSpec) =
        let pad = function Padding.Valid -> "valid" | Padding.Same -> "same"
        let act a = if a = Linear then "" else ", " + activationName a
        match spec with
        | Conv2D c -> sprintf "Conv2D %d@%s, stride %s, %s%s" c.Filters (pair c.Kernel) (pair c.Strides) (pad c.Padding) (act c.Activation)
        | Conv2DTranspose c -> sprintf "Conv2DTranspose %d@%s, stride %s, %s%s" c.Filters (pair c.Kernel) (pair c.Strides) (pad c.Padding) (act c.Activation)
        | MaxPool2D p -> sprintf "MaxPool2D %s, stride %s" (pair p.PoolSize) (pair p.PoolStrides)
        | AvgPool2D p -> sprintf "AvgPool2D %s, stride %s" (pair p.PoolSize) (pair p.PoolStrides)
        | Dense d -> sprintf "Dense %d%s" d.Units (act d.DenseActivation)
        | Dropout(_, r) -> sprintf "Dropout %g" r
        | Flatten _ -> "Flatten"
        | Reshape(_, s) -> sprintf "Reshape %s" (Shape.show s)
        | ActivationLayer(_, a) -> sprintf "Activation %s" (activationName a)

    /// Keras-style class name for summaries ("Conv2D", "MaxPooling2D", ...).
    let typeName (spec: LayerSpec) =
        match spec with
        | Conv2D _ -> "Conv2D"
        | Conv2DTranspose _ -> "Conv2DTranspose"
        | MaxPool2D _ -> "MaxPooling2D"
        | AvgPool2D _ -> "AveragePooling2D"
        | Dense _ -> "Dense"
        | Dropout _ -> "Dropout"
        | Flatten _ -> "Flatten"
        | Reshape _ -> "Reshape"
        | ActivationLayer _ -> "Activation"

    let private requireImage (input: int[]) =
        if input.Length <> 3 then
            Fail.shape "needs an image input of shape (C,H,W) (NCHW without the batch), got %s" (Shape.show input)

    /// Checks the hyper-parameters that do not depend on the input, and returns the spec: an
    /// InvalidValueException names the layer type, the parameter, its allowed range and the value
    /// (e.g. "Dropout: rate must be in [0, 1), got 1.5"). The one place these ranges live: the
    /// C# builder calls it when a layer is added, shape inference before it infers.
    let validate (spec: LayerSpec) : LayerSpec =
        let t = typeName spec
        let positive what (a, b) = if a < 1 || b < 1 then Fail.value "%s: %s must be at least 1x1 (each side >= 1), got %dx%d" t what a b
        match spec with
        | Conv2D c | Conv2DTranspose c ->
            if c.Filters < 1 then Fail.value "%s: filters must be at least 1, got %d" t c.Filters
            positive "kernel size" c.Kernel
            positive "strides" c.Strides
        | MaxPool2D p | AvgPool2D p ->
            positive "pool size" p.PoolSize
            positive "strides" p.PoolStrides
        | Dense d -> if d.Units < 1 then Fail.value "%s: units must be at least 1, got %d" t d.Units
        | Dropout(_, r) -> if not (r >= 0.0f && r < 1.0f) then Fail.value "%s: rate must be in [0, 1), got %g" t r
        | Reshape(_, s) ->
            if isNull s || s.Length = 0 || (s |> Array.filter ((=) -1)).Length > 1 || s |> Array.exists (fun d -> d = 0 || d < -1) then
                Fail.value "%s: target shape %s must be positive sizes with at most one -1" t (if isNull s then "null" else Shape.show s)
        | Flatten _ | ActivationLayer _ -> ()
        spec

    /// The shapes of the layer's parameters ("kernel", "bias") for an input shape, in tree order.
    /// Conv2D kernels are [filters, C, kh, kw]; Conv2DTranspose [C, filters, kh, kw]; Dense [inputs, units].
    let parameterShapes (spec: LayerSpec) (input: int[]) : (string * int[]) list =
        let withBias useBias kernel units = ("kernel", kernel) :: (if useBias then [ "bias", [| units |] ] else [])
        match spec with
        | Conv2D c -> withBias c.UseBias [| c.Filters; input.[0]; fst c.Kernel; snd c.Kernel |] c.Filters
        | Conv2DTranspose c -> withBias c.UseBias [| input.[0]; c.Filters; fst c.Kernel; snd c.Kernel |] c.Filters
        | Dense d -> withBias d.DenseUseBias [| input.[0]; d.Units |] d.Units
        | _ -> []

    let private outputShapeUnchecked (spec: LayerSpec) (input: int[]) : int[] =
        match spec with
        | Conv2D c ->
            requireImage input
            let kernel = [| c.Filters; input.[0]; fst c.Kernel; snd c.Kernel |]
            let pad =
                match c.Padding with
                | Padding.Valid -> Shape.Padding2d.zero
                | Padding.Same -> Shape.Padding2d.same (input.[1], input.[2]) c.Kernel c.Strides
            let g = Shape.conv2d (Array.append [| 1 |] input) kernel c.Strides pad
            [| g.K; g.OH; g.OW |]
        | Conv2DTranspose c ->
            requireImage input
            let kernel = [| input.[0]; c.Filters; fst c.Kernel; snd c.Kernel |]
            let x = Array.append [| 1 |] input
            let g =
                match c.Padding with
                | Padding.Valid -> Shape.convTranspose2d x kernel c.Strides (0, 0) (0, 0)
                | Padding.Same -> Shape.convTranspose2dSameTf x kernel c.Strides
            [| g.C; g.H; g.W |]
        | MaxPool2D p | AvgPool2D p ->
            requireImage input
            let g = Shape.pool2d (typeName spec) (Array.append [| 1 |] input) p.PoolSize p.PoolStrides
            [| g.C; g.OH; g.OW |]
        | Dense d ->
            if input.Length <> 1 then
                Fail.shape "needs a flat input (features), got %s; add a Flatten layer before it" (Shape.show input)
            [| d.Units |]
        | Dropout _ -> Array.copy input
        | Flatten _ -> [| Shape.numel input |]
        | Reshape(_, target) ->
            let n = Shape.numel input
            let known = target |> Array.filter ((<>) -1) |> Shape.numel
            let resolved =
                if Array.contains -1 target then
                    if n % known <> 0 then Fail.shape "cannot reshape %s (%d values) to %s" (Shape.show input) n (Shape.show target)
                    target |> Array.map (fun d -> if d = -1 then n / known else d)
                else Array.copy target
            if Shape.numel resolved <> n then
                Fail.shape "cannot reshape %s (%d values) to %s (%d values)" (Shape.show input) n (Shape.show resolved) (Shape.numel resolved)
            resolved
        | ActivationLayer(_, Softmax) when input.Length <> 1 ->
            Fail.shape "softmax needs a flat input (features), got %s" (Shape.show input)
        | ActivationLayer _ -> Array.copy input

    /// The output shape for an input shape (both without the batch dimension), or a ShapeException
    /// naming the layer, its hyper-parameters and the shapes that do not fit.
    let outputShape (layerName: string) (spec: LayerSpec) (input: int[]) : int[] =
        // an out-of-range hyper-parameter is the layer's own fault, not the input's
        (try validate spec |> ignore
         with :? InvalidValueException as e -> Fail.value "layer '%s': %s" layerName e.Message)
        let checkedShape =
            try
                let out = outputShapeUnchecked spec input
                // sizes are checked here, at build time, so no kernel ever sees a wrapped-around size
                Shape.requireFits "output" out (Shape.numel64 out)
                for n, s in parameterShapes spec input do Shape.requireFits n s (Shape.numel64 s)
                out
            with :? FuncCnnException as e ->
                Fail.shape "layer '%s' (%s) cannot take input of shape %s (batch excluded; images are NCHW): %s"
                    layerName (describe spec) (Shape.show input) e.Message
        match spec with
        | Dense { DenseActivation = Softmax } | Conv2D { Activation = Softmax } | Conv2DTranspose { Activation = Softmax } when checkedShape.Length <> 1 ->
            Fail.shape "layer '%s' (%s): softmax needs a flat output (features), but the output has shape %s" layerName (describe spec) (Shape.show checkedShape)
        | _ -> checkedShape

    /// Keras' fans of a kernel: (fanIn, fanOut).
    let private fans (spec: LayerSpec) (kernel: int[]) =
        match spec with
        | Conv2D _ -> kernel.[1] * kernel.[2] * kernel.[3], kernel.[0] * kernel.[2] * kernel.[3]
        // Keras' Conv2DTranspose kernel is (kh, kw, filters, in): its fan-in counts the filters.
        | Conv2DTranspose _ -> kernel.[1] * kernel.[2] * kernel.[3], kernel.[0] * kernel.[2] * kernel.[3]
        | _ -> kernel.[0], kernel.[1]

    /// Initial parameters of a layer for an input shape: a branch of "kernel" and "bias" (empty
    /// for layers without parameters). Each tensor's generator is derived from its name.
    let init (rng: Rng) (spec: LayerSpec) (input: int[]) : ParamTree =
        let shapes = parameterShapes spec input
        let kernelInit, biasInit =
            match spec with
            | Conv2D c | Conv2DTranspose c -> c.KernelInit, c.BiasInit
            | Dense d -> d.DenseKernelInit, d.DenseBiasInit
            | _ -> Zeros, Zeros
        match shapes with
        | [] -> ParamTree.empty
        | (_, kernel) :: _ ->
            let f = fans spec kernel
            Branch(shapes |> List.map (fun (n, shape) ->
                let init = if n = "kernel" then kernelInit else biasInit
                n, Leaf(Init.tensor init f shape (Rng.fold n rng))))

    /// Applies an activation to a batch.
    let activate (a: Activation) (x: Tensor) =
        match a with
        | Linear -> x
        | Relu -> Ops.relu x
        | Tanh -> Ops.tanh x
        | Sigmoid -> Ops.sigmoid x
        | Softmax -> Nn.softmax x

    let private find (p: ParamTree) (n: string) =
        match p with
        | Branch children ->
            match children |> List.tryFind (fun (k, _) -> k = n) with
            | Some(_, Leaf t) -> Some t
            | _ -> None
        | Leaf _ -> None

    let private required (p: ParamTree) (n: string) =
        match find p n with
        | Some t -> t
        | None -> Fail.value "layer parameters have no '%s'" n

    /// A convolution followed by a max pooling, then a ReLU, as one op (Nn.conv2dMaxPoolRelu), given
    /// the convolution's parameter branch.
    let applyConvMaxPoolRelu (c: ConvSpec) (pool: PoolSpec) (p: ParamTree) (x: Tensor) : Tensor =
        let pad = match c.Padding with Padding.Valid -> Nn.Valid | Padding.Same -> Nn.Same
        Nn.conv2dMaxPoolRelu c.Strides pad pool.PoolSize pool.PoolStrides x (required p "kernel") (find p "bias")

    /// The layer's forward pass on a batch (NCHW images or [N, features]), given its own parameter
    /// branch, the mode and a generator (used by dropout only).
    let apply (spec: LayerSpec) (p: ParamTree) (mode: Mode) (rng: Rng) (x: Tensor) : Tensor =
        match spec with
        | Conv2D c ->
            let pad = match c.Padding with Padding.Valid -> Nn.Valid | Padding.Same -> Nn.Same
            match c.Activation with
            | Relu -> Nn.conv2dRelu c.Strides pad x (required p "kernel") (find p "bias")
            | a -> Nn.conv2d c.Strides pad x (required p "kernel") (find p "bias") |> activate a
        | Conv2DTranspose c ->
            // "same" is Keras' (TensorFlow's) placement, odd padding pixel bottom/right, so imported
            // Keras decoders compute exactly what Keras computes (Nn.SameOutput is PyTorch's placement)
            let pad = match c.Padding with Padding.Valid -> Nn.Torch((0, 0), (0, 0)) | Padding.Same -> Nn.SameKeras
            Nn.convTranspose2d c.Strides pad x (required p "kernel") (find p "bias") |> activate c.Activation
        | MaxPool2D s -> Nn.maxPool2d s.PoolSize s.PoolStrides x
        | AvgPool2D s -> Nn.avgPool2d s.PoolSize s.PoolStrides x
        | Dense d -> Ops.linear x (required p "kernel") (find p "bias") |> activate d.DenseActivation
        | Dropout(_, rate) -> Nn.dropout rate mode rng x
        | Flatten _ -> Ops.flatten x
        | Reshape(_, target) -> Ops.reshape (Array.append [| x.Dims.[0] |] target) x
        | ActivationLayer(_, a) -> activate a x
