/// Keras models in: the legacy HDF5 format (`.h5`: root attribute `model_config`, weights under
/// `model_weights/<layer>/<weight name>`) and Keras 3 archives (`.keras`: a zip of `config.json` and
/// `model.weights.h5` with `layers/<layer>/vars/<i>`), read with PureHDF.
///
/// Keras is NHWC, FuncCnn NCHW. The imported model computes what the Keras model computes on the same
/// image: kernels are permuted (Conv2D (kh,kw,in,out) and Conv2DTranspose (kh,kw,out,in) both become
/// [kernel's 4th axis, 3rd axis, kh, kw]), the rows of a Dense kernel after Flatten follow FuncCnn's
/// (c,h,w) flattening instead of Keras' (h,w,c), and the columns (and bias) of a Dense kernel that feeds
/// a Reshape to an image are reordered so that Reshape yields (C,H,W).
module FuncCnn.Core.Interop.Keras

open System
open System.IO
open System.IO.Compression
open System.Text.Json
open FuncCnn
open FuncCnn.Core
open PureHDF

/// An imported Keras model: the FuncCnn model, the layers Keras marked `trainable: false` (pass
/// them as frozen layers to keep training the rest) and what the file says about itself.
type KerasModel =
    { Model: Model
      /// Names of the layers the Keras model froze, in layer order.
      Frozen: string list
      /// The Keras model's own name ("cnn_model").
      Name: string
      /// The `keras_version` the file was saved by, when it says.
      KerasVersion: string option }

/// Where a tensor of the current layer lives in the Keras model: an image (C,H,W) or a flat vector
/// whose order is Keras' own, or FuncCnn's (c,h,w) flattening of an image of that shape.
type private Layout =
    | Image of c: int * h: int * w: int
    | FlatKeras of n: int
    | FlatChw of c: int * h: int * w: int

let private fail (file: string) fmt = Printf.ksprintf (fun s -> raise (ModelFileException(file, s))) fmt

/// The HDF5 signature and the zip local-file signature, for recognising a file by its content.
let hdf5Signature = [| 0x89uy; 0x48uy; 0x44uy; 0x46uy; 0x0Duy; 0x0Auy; 0x1Auy; 0x0Auy |]
let zipSignature = [| 0x50uy; 0x4Buy; 0x03uy; 0x04uy |]

/// perm.[FuncCnn's flat index (c,h,w)] = Keras' flat index (h,w,c) of the same value.
let internal chwToHwc (c: int, h: int, w: int) =
    Array.init (c * h * w) (fun i ->
        let ci, rest = i / (h * w), i % (h * w)
        rest * c + ci)

let private isIdentity (c, h, w) = c = 1 || h * w = 1

// ---------------------------------------------------------------------------------------------
// Configuration (JSON)

let private tryProp (e: JsonElement) (name: string) =
    if e.ValueKind = JsonValueKind.Object then
        match e.TryGetProperty name with
        | true, v when v.ValueKind <> JsonValueKind.Null -> Some v
        | _ -> None
    else None

type private LayerConfig =
    { ClassName: string
      Name: string
      Config: JsonElement
      Inbound: string list option }

/// Names of the layers a Functional layer takes its inputs from (Keras 3's `keras_history` and
/// Keras 2's nested [name, node, tensor, kwargs] lists).
let private inboundNames (nodes: JsonElement) =
    let found = Collections.Generic.List<string>()
    let rec walk (e: JsonElement) =
        match e.ValueKind with
        | JsonValueKind.Object ->
            match tryProp e "keras_history" with
            | Some h when h.ValueKind = JsonValueKind.Array && h.GetArrayLength() > 0 && h.[0].ValueKind = JsonValueKind.String ->
                found.Add(h.[0].GetString())
            | _ -> for p in e.EnumerateObject() do walk p.Value
        | JsonValueKind.Array ->
            let items = e.EnumerateArray() |> List.ofSeq
            match items with
            | first :: _ :: _ :: _ when first.ValueKind = JsonValueKind.String -> found.Add(first.GetString())
            | _ -> items |> List.iter walk
        | _ -> ()
    walk nodes
    List.ofSeq found

let private layerConfigs (file: string) (root: JsonElement) =
    let className = tryProp root "class_name" |> Option.map (fun e -> e.GetString()) |> Option.defaultValue "?"
    if className <> "Sequential" && className <> "Functional" && className <> "Model" then
        fail file "the model is a Keras '%s'; only Sequential and Functional models made of a chain of layers can be imported" className
    let config = match tryProp root "config" with Some c -> c | None -> fail file "the model configuration has no 'config'"
    let layers =
        match tryProp config "layers" with
        | Some l when l.ValueKind = JsonValueKind.Array -> l.EnumerateArray() |> List.ofSeq
        | _ -> fail file "the model configuration has no list of layers"
    let name = tryProp config "name" |> Option.map (fun e -> e.GetString()) |> Option.defaultValue className
    let parsed =
        layers |> List.mapi (fun i l ->
            let cls = match tryProp l "class_name" with Some c -> c.GetString() | None -> fail file "layer %d has no class_name" i
            let cfg = match tryProp l "config" with Some c -> c | None -> fail file "layer %d (%s) has no config" i cls
            let lname =
                match tryProp cfg "name" |> Option.orElse (tryProp l "name") with
                | Some n -> n.GetString()
                | None -> sprintf "%s_%d" (cls.ToLowerInvariant()) i
            { ClassName = cls; Name = lname; Config = cfg; Inbound = tryProp l "inbound_nodes" |> Option.map inboundNames })
    // A Functional model is imported when it is a chain: each layer reads the one before it.
    parsed |> List.pairwise |> List.iter (fun (prev, l) ->
        match l.Inbound with
        | Some names when names <> [ prev.Name ] ->
            fail file "layer '%s' (%s) takes its input from %s, not from the layer before it ('%s'): only a chain of layers can be imported"
                l.Name l.ClassName (if names.IsEmpty then "no layer" else names |> List.map (sprintf "'%s'") |> String.concat ", ") prev.Name
        | _ -> ())
    name, parsed

let private str (l: LayerConfig) (key: string) =
    tryProp l.Config key |> Option.map (fun e -> if e.ValueKind = JsonValueKind.String then e.GetString() else e.GetRawText())

let private ints (file: string) (l: LayerConfig) (key: string) =
    match tryProp l.Config key with
    | Some e when e.ValueKind = JsonValueKind.Array ->
        e.EnumerateArray() |> Seq.map (fun v -> if v.ValueKind = JsonValueKind.Number then v.GetInt32() else -1) |> Array.ofSeq |> Some
    | Some e when e.ValueKind = JsonValueKind.Number -> Some [| e.GetInt32() |]
    | Some e -> fail file "layer '%s' (%s): '%s' is %s, expected a list of integers" l.Name l.ClassName key (e.GetRawText())
    | None -> None

let private pairOf (file: string) (l: LayerConfig) (key: string) =
    match ints file l key with
    | Some [| a |] -> Some(a, a)
    | Some [| a; b |] -> Some(a, b)
    | Some v -> fail file "layer '%s' (%s): '%s' is %s, expected two integers" l.Name l.ClassName key (Shape.show v)
    | None -> None

let private requirePair file (l: LayerConfig) key =
    match pairOf file l key with Some p -> p | None -> fail file "layer '%s' (%s) has no '%s'" l.Name l.ClassName key

let private unsupported file (l: LayerConfig) what value =
    fail file "layer '%s' (%s): %s '%s' is not supported" l.Name l.ClassName what value

let private activationOf file (l: LayerConfig) =
    match str l "activation" with
    | None | Some "linear" -> Linear
    | Some "relu" -> Relu
    | Some "tanh" -> Tanh
    | Some "sigmoid" -> Sigmoid
    | Some "softmax" -> Softmax
    | Some a -> unsupported file l "activation" a

/// Checks what only has one supported value: float32, channels_last, no dilation, one group.
let private checkCommon file (l: LayerConfig) =
    let dtype =
        match tryProp l.Config "dtype" with
        | Some e when e.ValueKind = JsonValueKind.String -> Some(e.GetString())
        | Some e -> tryProp e "config" |> Option.bind (fun c -> tryProp c "name") |> Option.map (fun n -> n.GetString())
        | None -> None
    match dtype with
    | Some d when d <> "float32" -> unsupported file l "dtype" d
    | _ -> ()
    match str l "data_format" with
    | Some f when f <> "channels_last" -> unsupported file l "data format" f
    | _ -> ()
    match pairOf file l "dilation_rate" with
    | Some(a, b) when a <> 1 || b <> 1 -> unsupported file l "dilation rate" (sprintf "%dx%d" a b)
    | _ -> ()
    match tryProp l.Config "groups" with
    | Some g when g.ValueKind = JsonValueKind.Number && g.GetInt32() <> 1 -> unsupported file l "groups" (g.GetRawText())
    | _ -> ()

// ---------------------------------------------------------------------------------------------
// Weights

/// A layer's weight tensors in Keras' order (kernel, bias) with their Keras shapes.
type private WeightSource = string -> (int[] * float32[]) list

/// A weight's values, refused before reading when its declared size exceeds what the file holds
/// (`maxBytes`), so a damaged header cannot make it allocate gigabytes.
let private readDataset (file: string) (maxBytes: int64) (layer: string) (what: string) (d: IH5Dataset) =
    if d.Type.Class <> H5DataTypeClass.FloatingPoint || d.Type.Size <> 4 then
        fail file "layer '%s': weight '%s' is %A of %d bytes; only float32 weights are supported" layer what d.Type.Class d.Type.Size
    let dims = d.Space.Dimensions
    let bytes = (dims |> Array.fold (fun a n -> a * float n) 1.0) * 4.0
    if dims |> Array.exists (fun n -> n > uint64 Int32.MaxValue) || bytes > float Int32.MaxValue || bytes > float maxBytes then
        fail file "layer '%s': weight '%s' declares a shape %A larger than the file" layer what dims
    dims |> Array.map int, d.Read<float32[]>()

let private groupChild (g: IH5Group) (name: string) =
    if g.LinkExists name then Some(g.Get name) else None

/// Weights of a legacy .h5 file: model_weights/<layer> lists its `weight_names`.
let private h5Weights (file: string) (maxBytes: int64) (root: IH5Group) : WeightSource =
    let weights =
        match groupChild root "model_weights" with
        | Some(:? IH5Group as g) -> g
        | _ -> fail file "has no 'model_weights' group: not a Keras model saved with its weights"
    fun layer ->
        match groupChild weights layer with
        | Some(:? IH5Group as g) when g.AttributeExists "weight_names" ->
            let a = g.Attribute "weight_names"
            let names = if a.Type.Class = H5DataTypeClass.String || a.Type.Class = H5DataTypeClass.VariableLength then a.Read<string[]>() else [||]
            names |> Array.map (fun n ->
                match (try Some(g.Dataset n) with _ -> None) with
                | Some d -> readDataset file maxBytes layer n d
                | None -> fail file "layer '%s': weight '%s' is listed but missing" layer n) |> List.ofArray
        | Some(:? IH5Group) | None -> []
        | Some _ -> fail file "model_weights/%s is not a group" layer

/// Weights of a Keras 3 archive's model.weights.h5: layers/<layer>/vars/0, 1, ...
let private kerasArchiveWeights (file: string) (maxBytes: int64) (root: IH5Group) : WeightSource =
    let layers =
        [ "layers"; "_layer_checkpoint_dependencies" ] |> List.tryPick (fun n ->
            match groupChild root n with Some(:? IH5Group as g) -> Some g | _ -> None)
    fun layer ->
        match layers |> Option.bind (fun g -> groupChild g layer) with
        | Some(:? IH5Group as g) ->
            match groupChild g "vars" with
            | Some(:? IH5Group as vars) ->
                Seq.initInfinite string |> Seq.takeWhile vars.LinkExists
                |> Seq.map (fun i ->
                    match vars.Get i with
                    | :? IH5Dataset as d -> readDataset file maxBytes layer ("vars/" + i) d
                    | _ -> fail file "layer '%s': vars/%s is not a dataset" layer i) |> List.ofSeq
            | _ -> []
        | _ -> []

// ---------------------------------------------------------------------------------------------
// Conversion

let private permuteKernel4 (dims: int[]) (k: float32[]) =
    // Keras (kh, kw, a, b) → FuncCnn [b, a, kh, kw]
    let kh, kw, a, b = dims.[0], dims.[1], dims.[2], dims.[3]
    let out = Array.zeroCreate k.Length
    for i in 0 .. kh - 1 do
        for j in 0 .. kw - 1 do
            for ai in 0 .. a - 1 do
                for bi in 0 .. b - 1 do
                    out.[((bi * a + ai) * kh + i) * kw + j] <- k.[((i * kw + j) * a + ai) * b + bi]
    out

/// Dense kernel [in, out] with rows and columns taken from Keras' through the permutations.
let private permuteDense (rows: int[] option) (cols: int[] option) (inputs: int) (units: int) (k: float32[]) =
    let r i = match rows with Some p -> p.[i] | None -> i
    let c j = match cols with Some p -> p.[j] | None -> j
    Array.init (inputs * units) (fun idx -> k.[r (idx / units) * units + c (idx % units)])

type private Converted = { Spec: LayerSpec; Params: (string * Tensor) list; Frozen: bool }

let private expectWeights file (l: LayerConfig) (weights: (int[] * float32[]) list) (expected: int[] list) =
    if List.length weights <> List.length expected || List.exists2 (fun (d, _) e -> d <> e) weights expected then
        fail file "layer '%s' (%s): the file holds weights %s but the configuration needs %s" l.Name l.ClassName
            (weights |> List.map (fst >> Shape.show) |> String.concat ", ")
            (expected |> List.map Shape.show |> String.concat ", ")

/// The input layout of a Keras batch shape (batch dimension dropped).
let private inputLayout file (l: LayerConfig) (shape: int[]) =
    match shape with
    | [| h; w; c |] when h > 0 && w > 0 && c > 0 -> Image(c, h, w)
    | [| h; w |] when h > 0 && w > 0 -> Image(1, h, w)
    | [| n |] when n > 0 -> FlatKeras n
    | s -> fail file "layer '%s' (%s): input shape %s is not supported (needs (H,W,C), (H,W) or (features) with known sizes)" l.Name l.ClassName (Shape.show s)

let private batchShape file (l: LayerConfig) =
    [ "batch_shape"; "batch_input_shape" ] |> List.tryPick (fun k ->
        ints file l k |> Option.map (fun s -> s.[1..]))

let private imageShape = function
    | Image(c, h, w) -> [| c; h; w |]
    | FlatKeras n -> [| n |]
    | FlatChw(c, h, w) -> [| c * h * w |]

/// The target layout of the next Reshape (after element-wise layers), if it makes an image.
let private nextReshapeImage file (rest: LayerConfig list) =
    rest
    |> List.skipWhile (fun l -> l.ClassName = "Dropout" || l.ClassName = "Activation")
    |> List.tryHead
    |> Option.bind (fun l ->
        if l.ClassName <> "Reshape" then None
        else
            match ints file l "target_shape" with
            | Some [| h; w; c |] when h > 0 && w > 0 && c > 0 -> Some(c, h, w)
            | _ -> None)

/// A layer's output shape, a misfit reported as a model-file error naming the layer.
let private outShape file (l: LayerConfig) (spec: LayerSpec) (input: int[]) =
    try Layer.outputShape l.Name spec input
    with :? FuncCnnException as e -> fail file "layer '%s' (%s): %s" l.Name l.ClassName e.Message

let private convert (file: string) (layers: LayerConfig list) (weightsOf: WeightSource) =
    let first = match layers with l :: _ -> l | [] -> fail file "the model has no layers"
    let start =
        match batchShape file first with
        | Some s -> inputLayout file first s
        | None -> fail file "layer '%s' (%s) does not say the input shape (batch_shape)" first.Name first.ClassName
    let frozen (l: LayerConfig) = match tryProp l.Config "trainable" with Some t -> t.ValueKind = JsonValueKind.False | None -> false
    let rec go (layout: Layout) (acc: Converted list) (remaining: LayerConfig list) =
        match remaining with
        | [] -> layout, List.rev acc
        | l :: rest ->
            checkCommon file l
            let emit spec ps next = go next ({ Spec = spec; Params = ps; Frozen = frozen l } :: acc) rest
            let name = Some l.Name
            let needImage () =
                match layout with
                | Image(c, h, w) -> c, h, w
                | _ -> fail file "layer '%s' (%s) needs an image input, but its input is flat" l.Name l.ClassName
            let padding () =
                match str l "padding" with
                | None | Some "valid" -> Padding.Valid
                | Some "same" -> Padding.Same
                | Some p -> unsupported file l "padding" p
            let useBias = match tryProp l.Config "use_bias" with Some b -> b.ValueKind <> JsonValueKind.False | None -> true
            let convParams (kernelDims: int[] -> int[]) (shapeOurs: int[]) (outChannels: int) =
                let ws = weightsOf l.Name
                let kerasKernel = kernelDims shapeOurs
                expectWeights file l ws (kerasKernel :: (if useBias then [ [| outChannels |] ] else []))
                let (kd, k) = ws.Head
                [ yield "kernel", Tensor.ofArray shapeOurs (permuteKernel4 kd k)
                  if useBias then yield "bias", Tensor.ofArray [| outChannels |] (snd ws.[1]) ]
            match l.ClassName with
            | "InputLayer" ->
                if not acc.IsEmpty then fail file "layer '%s' (InputLayer) is not the first layer" l.Name
                go layout acc rest
            | "Conv2D" | "Conv2DTranspose" as cls ->
                let c, h, w = needImage ()
                let filters = match tryProp l.Config "filters" with Some f -> f.GetInt32() | None -> fail file "layer '%s' (%s) has no filters" l.Name cls
                let kh, kw = requirePair file l "kernel_size"
                let spec =
                    { Layers.convSpec filters kh (activationOf file l) with
                        Name = name; Kernel = (kh, kw); Strides = defaultArg (pairOf file l "strides") (1, 1)
                        Padding = padding (); UseBias = useBias }
                if cls = "Conv2D" then
                    let ps = convParams (fun s -> [| kh; kw; c; filters |]) [| filters; c; kh; kw |] filters
                    let out = outShape file l (Conv2D spec) [| c; h; w |]
                    emit (Conv2D spec) ps (Image(out.[0], out.[1], out.[2]))
                else
                    match tryProp l.Config "output_padding" with
                    | Some p -> unsupported file l "output_padding" (p.GetRawText())
                    | None -> ()
                    let ps = convParams (fun s -> [| kh; kw; filters; c |]) [| c; filters; kh; kw |] filters
                    let out = outShape file l (Conv2DTranspose spec) [| c; h; w |]
                    emit (Conv2DTranspose spec) ps (Image(out.[0], out.[1], out.[2]))
            | "MaxPooling2D" | "AveragePooling2D" | "MaxPool2D" | "AveragePool2D" as cls ->
                let c, h, w = needImage ()
                if padding () <> Padding.Valid then unsupported file l "padding" "same"
                let size = defaultArg (pairOf file l "pool_size") (2, 2)
                let spec = { PoolName = name; PoolSize = size; PoolStrides = defaultArg (pairOf file l "strides") size }
                let s = if cls.StartsWith "Max" then MaxPool2D spec else AvgPool2D spec
                let out = outShape file l s [| c; h; w |]
                emit s [] (Image(out.[0], out.[1], out.[2]))
            | "Flatten" ->
                let next =
                    match layout with
                    | Image(c, h, w) when isIdentity (c, h, w) -> FlatKeras(c * h * w)
                    | Image(c, h, w) -> FlatChw(c, h, w)
                    | flat -> flat
                emit (Flatten name) [] next
            | "Dense" ->
                let inputs, rows =
                    match layout with
                    | FlatKeras n -> n, None
                    | FlatChw(c, h, w) -> c * h * w, Some(chwToHwc (c, h, w))
                    | Image _ -> fail file "layer '%s' (Dense) gets an image input; FuncCnn's Dense needs a Flatten before it" l.Name
                let units = match tryProp l.Config "units" with Some u -> u.GetInt32() | None -> fail file "layer '%s' (Dense) has no units" l.Name
                let ws = weightsOf l.Name
                expectWeights file l ws ([| inputs; units |] :: (if useBias then [ [| units |] ] else []))
                // feeding a Reshape to an image: produce FuncCnn's (c,h,w) order straight away
                let next, cols =
                    match nextReshapeImage file rest with
                    | Some(c, h, w) when c * h * w = units && not (isIdentity (c, h, w)) -> FlatChw(c, h, w), Some(chwToHwc (c, h, w))
                    | _ -> FlatKeras units, None
                let kernel = permuteDense rows cols inputs units (snd ws.Head)
                let bias = if useBias then [ "bias", Tensor.ofArray [| units |] (let b = snd ws.[1] in Array.init units (fun j -> match cols with Some p -> b.[p.[j]] | None -> b.[j])) ] else []
                let spec =
                    Dense { Layers.denseSpec units (activationOf file l) with DenseName = name; DenseUseBias = useBias }
                emit spec (("kernel", Tensor.ofArray [| inputs; units |] kernel) :: bias) next
            | "Dropout" ->
                match tryProp l.Config "noise_shape" with
                | Some n -> unsupported file l "noise_shape" (n.GetRawText())
                | None -> ()
                let rate = match tryProp l.Config "rate" with Some r -> r.GetSingle() | None -> 0.5f
                emit (Dropout(name, rate)) [] layout
            | "Activation" ->
                let a = activationOf file l
                if a = Softmax then
                    match layout with
                    | Image _ -> fail file "layer '%s' (Activation softmax) over image channels is not supported (FuncCnn's softmax needs a flat input)" l.Name
                    | _ -> ()
                emit (ActivationLayer(name, a)) [] layout
            | "Reshape" ->
                let n = imageShape layout |> Shape.numel
                let target =
                    match ints file l "target_shape" with
                    | Some t ->
                        let known = t |> Array.filter ((<>) -1) |> Shape.numel
                        t |> Array.map (fun d -> if d = -1 && known > 0 then n / known else d)
                    | None -> fail file "layer '%s' (Reshape) has no target_shape" l.Name
                match target, layout with
                | [| m |], FlatKeras _ -> emit (Reshape(name, [| m |])) [] (FlatKeras m)
                | [| m |], Image(c, h, w) when isIdentity (c, h, w) -> emit (Reshape(name, [| m |])) [] (FlatKeras m)
                | [| m |], Image(c, h, w) -> emit (Reshape(name, [| m |])) [] (FlatChw(c, h, w))
                | [| h; w; c |], FlatChw(c', h', w') when (c, h, w) = (c', h', w') -> emit (Reshape(name, [| c; h; w |])) [] (Image(c, h, w))
                | [| h; w; c |], (FlatKeras _ | Image(1, _, _)) when isIdentity (c, h, w) -> emit (Reshape(name, [| c; h; w |])) [] (Image(c, h, w))
                | [| h; w |], (FlatKeras _ | Image(1, _, _)) -> emit (Reshape(name, [| 1; h; w |])) [] (Image(1, h, w))
                | t, _ ->
                    fail file "layer '%s' (Reshape) to %s from %s cannot be imported: FuncCnn is NCHW, and only a Reshape fed by a Dense layer (or of one channel) keeps Keras' order"
                        l.Name (Shape.show t) (Shape.show (imageShape layout))
            | cls -> fail file "layer '%s': layer type '%s' is not supported (supported: InputLayer, Conv2D, Conv2DTranspose, MaxPooling2D, AveragePooling2D, Dense, Dropout, Flatten, Reshape, Activation)" l.Name cls
    let inputShape = imageShape start
    let final, converted = go start [] layers
    match final with
    | FlatChw(c, h, w) ->
        fail file "the model's output is a flattened image (%d,%d,%d) in Keras' NHWC order, which FuncCnn's NCHW flattening cannot reproduce" h w c
    | _ -> ()
    inputShape, converted

let private build (file: string) (name: string) (version: string option) (config: string) (weights: WeightSource) =
    let root =
        try (JsonDocument.Parse config).RootElement
        with :? JsonException as e -> fail file "the model configuration is not valid JSON: %s" e.Message
    let modelName, layers = layerConfigs file root
    let inputShape, converted = convert file layers weights
    if converted.IsEmpty then fail file "the model has no layers besides its input"
    let arch = Architecture.ofSpecs (converted |> List.map (fun c -> c.Spec))
    let built =
        try Architecture.infer inputShape arch
        with :? FuncCnnException as e -> fail file "the architecture does not fit FuncCnn: %s" e.Message
    let tree =
        Branch(List.zip built converted |> List.choose (fun (b, c) ->
            if c.Params.IsEmpty then None else Some(b.Name, Branch(c.Params |> List.map (fun (n, t) -> n, Leaf t)))))
    let model = { Layers = built; InputShape = inputShape; OutputShape = (List.last built).OutputShape; Params = tree }
    { Model = model
      Frozen = List.zip built converted |> List.filter (fun (_, c) -> c.Frozen) |> List.map (fun (b, _) -> b.Name)
      Name = (if String.IsNullOrEmpty modelName then name else modelName)
      KerasVersion = version }

let private readString (o: IH5Object) (name: string) =
    if o.AttributeExists name then
        let a = o.Attribute name
        if a.Type.Class = H5DataTypeClass.String || a.Type.Class = H5DataTypeClass.VariableLength then Some(a.Read<string>()) else None
    else None

/// Wraps PureHDF's and the runtime's errors on a damaged file into a ModelFileException.
let private guarded (file: string) (f: unit -> 'T) =
    try f ()
    with
    | :? FuncCnnException -> reraise ()
    | :? OutOfMemoryException | :? StackOverflowException -> reraise ()
    | e -> raise (ModelFileException(file, sprintf "is not a readable Keras model (%s: %s)" (e.GetType().Name) e.Message, e))

/// PureHDF allocates a global heap object (variable-length strings such as model_config) at the
/// size the file declares before reading it, so a damaged size field allocates up to 2 GB. Every
/// global heap collection ("GCOL") is walked here first, as PureHDF walks it, and an object larger
/// than the rest of the file is refused before PureHDF sees it.
let private checkGlobalHeaps (file: string) (stream: Stream) =
    let length = stream.Length
    let read (at: int64) (n: int) =
        let b = Array.zeroCreate n
        stream.Position <- at
        b, stream.ReadAtLeast(Span b, n, false)
    let le (b: byte[]) (offset: int) (size: int) =
        let mutable v = 0UL
        for i in size - 1 .. -1 .. 0 do v <- (v <<< 8) ||| uint64 b.[offset + i]
        v
    // the superblock's size of lengths (8 in every file Keras writes)
    let sb, got = read 0L 16
    let lengthSize =
        if got < 16 then 8
        else
            match int sb.[8] with
            | 0 | 1 -> int sb.[14]
            | _ -> int sb.[10]
    let lengthSize = if lengthSize = 2 || lengthSize = 4 || lengthSize = 8 then lengthSize else 8
    let signature = "GCOL"B
    let chunk = 1 <<< 20
    let mutable start = 0L
    let collections = ResizeArray<int64>()
    while start < length do
        let b, n = read start (chunk + 3)
        for i in 0 .. n - 4 do
            if b.[i] = signature.[0] && b.[i + 1] = signature.[1] && b.[i + 2] = signature.[2] && b.[i + 3] = signature.[3] then
                collections.Add(start + int64 i)
        start <- start + int64 chunk
    for at in collections |> Seq.distinct do
        let head, n = read at (8 + lengthSize)
        if n = 8 + lengthSize && head.[4] = 1uy then
            let headerSize = uint64 (8 + lengthSize)
            let mutable remaining = le head 8 lengthSize
            let mutable pos = at + int64 headerSize
            let mutable fin = false
            while not fin && remaining > headerSize do
                let o, got = read pos (8 + lengthSize)
                if got < 2 || (o.[0] = 0uy && o.[1] = 0uy) || got < 8 + lengthSize then fin <- true
                else
                    let size = le o 8 lengthSize
                    let dataAt = pos + int64 (8 + lengthSize)
                    if size > uint64 (max 0L (length - dataAt)) then
                        fail file "is a damaged HDF5 file: a global heap object at byte %d declares %d bytes, more than the file holds" pos size
                    let padded = (size + 7UL) / 8UL * 8UL
                    let consumed = uint64 (8 + lengthSize) + padded
                    pos <- dataAt + int64 padded
                    remaining <- remaining - consumed   // wraps as PureHDF's does, so the walk matches its own
                    if pos >= length then fin <- true
    stream.Position <- 0L

let private fromHdf5 (file: string) (stream: Stream) =
    guarded file (fun () ->
        checkGlobalHeaps file stream
        use h5 = H5File.Open(stream, true)
        let config =
            match readString h5 "model_config" with
            | Some c -> c
            | None -> fail file "is an HDF5 file without a 'model_config' attribute: not a Keras model (a weights-only file?)"
        build file (Path.GetFileNameWithoutExtension file) (readString h5 "keras_version") config (h5Weights file stream.Length h5))

let private fromArchive (file: string) (stream: Stream) =
    guarded file (fun () ->
        use zip = new ZipArchive(stream, ZipArchiveMode.Read, true)
        let entry name =
            match zip.GetEntry name with
            | null -> fail file "is a zip archive without '%s': not a Keras 3 model (.keras)" name
            | e -> e
        let config =
            use r = new StreamReader((entry "config.json").Open())
            r.ReadToEnd()
        let weightsEntry = entry "model.weights.h5"
        if weightsEntry.Length > stream.Length * 1000L || weightsEntry.Length > int64 Int32.MaxValue then
            fail file "model.weights.h5 declares %d bytes, more than the archive can hold" weightsEntry.Length
        // grows with the data actually inflated, not with the size the archive declares
        use weights = new MemoryStream()
        (use s = weightsEntry.Open() in s.CopyTo weights)
        weights.Position <- 0L
        checkGlobalHeaps file weights
        use h5 = H5File.Open(weights, true)
        let version =
            match zip.GetEntry "metadata.json" with
            | null -> None
            | m ->
                use r = new StreamReader(m.Open())
                let doc = try Some(JsonDocument.Parse(r.ReadToEnd())) with _ -> None
                doc |> Option.bind (fun d -> tryProp d.RootElement "keras_version") |> Option.map (fun v -> v.GetString())
        build file (Path.GetFileNameWithoutExtension file) version config (kerasArchiveWeights file weights.Length h5))

let private startsWith (prefix: byte[]) (head: byte[]) =
    head.Length >= prefix.Length && Array.forall2 (=) prefix head.[.. prefix.Length - 1]

/// Reads a Keras model from a stream (HDF5 or zip, recognised by content); `file` names it in errors.
let read (file: string) (stream: Stream) : KerasModel =
    let head = Array.zeroCreate 8
    let n = stream.ReadAtLeast(Span head, 8, false)
    stream.Position <- 0L
    if n >= 8 && startsWith hdf5Signature head then fromHdf5 file stream
    elif n >= 4 && startsWith zipSignature head then fromArchive file stream
    else fail file "is neither an HDF5 file (.h5) nor a zip archive (.keras): not a Keras model"

/// Reads a Keras model file (.h5 or .keras, recognised by content).
let load (path: string) : KerasModel =
    if not (File.Exists path) then raise (FileNotFoundException(sprintf "Keras model file not found: %s" path, path))
    use fs = try File.OpenRead path with :? IOException | :? UnauthorizedAccessException as e -> raise (ModelFileException(path, "could not be read: " + e.Message, e))
    read path fs
