/// ONNX out and in. The protobuf wire format is Google.Protobuf's CodedOutputStream/CodedInputStream;
/// the messages are the subset of onnx.proto a chain of FuncCnn layers needs (field numbers from
/// the public onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
/// ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto).
///
/// Export: opset 13, NCHW, a dynamic batch dimension "N", weights as initializers. Conv2D → Conv,
/// Conv2DTranspose → ConvTranspose, pools → MaxPool/AveragePool, Dense → Gemm, Flatten → Flatten,
/// Reshape → Reshape, Dropout → Dropout (the identity at inference), activations → Relu/Tanh/Sigmoid/Softmax.
/// Import: a chain of Conv, ConvTranspose, MaxPool, AveragePool, Gemm, MatMul(+Add), Relu, Tanh,
/// Sigmoid, Softmax, Flatten, Reshape, Dropout, Identity (and Constant nodes feeding them, and the
/// all-zero Pad torch.onnx puts before an AveragePool); an activation right after a layer without
/// one becomes that layer's activation. Anything else fails naming the node and its op type.
module FuncCnn.Core.Interop.Onnx

open System
open System.IO
open FuncCnn
open FuncCnn.Core
open Google.Protobuf

let private fail (file: string) fmt = Printf.ksprintf (fun s -> raise (ModelFileException(file, s))) fmt

/// The operator set exports declare.
[<Literal>]
let Opset = 13L

// ---------------------------------------------------------------------------------------------
// Writing: a message is a list of fields, encoded by CodedOutputStream.

type private Field =
    | Varint of int * int64
    | Text of int * string
    | Raw of int * byte[]
    | Message of int * Field list
    | Float of int * float32
    | PackedVarints of int * int64[]

let rec private encode (fields: Field list) : byte[] =
    use ms = new MemoryStream()
    let o = new CodedOutputStream(ms, true)
    let delimited (n: int) (bytes: byte[]) =
        o.WriteTag(n, WireFormat.WireType.LengthDelimited)
        o.WriteBytes(ByteString.CopyFrom bytes)
    for f in fields do
        match f with
        | Varint(n, v) -> o.WriteTag(n, WireFormat.WireType.Varint); o.WriteInt64 v
        | Text(n, s) -> o.WriteTag(n, WireFormat.WireType.LengthDelimited); o.WriteString s
        | Raw(n, b) -> delimited n b
        | Message(n, fs) -> delimited n (encode fs)
        | Float(n, v) -> o.WriteTag(n, WireFormat.WireType.Fixed32); o.WriteFloat v
        | PackedVarints(n, vs) ->
            use inner = new MemoryStream()
            let io = new CodedOutputStream(inner, true)
            for v in vs do io.WriteInt64 v
            io.Flush()
            delimited n (inner.ToArray())
    o.Flush()
    ms.ToArray()

// TensorProto.DataType
let private FLOAT = 1L
let private INT64 = 7L

let private floatBytes (data: float32[]) =
    let b = Array.zeroCreate (data.Length * 4)
    for i in 0 .. data.Length - 1 do Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(Span(b, i * 4, 4), data.[i])
    b

let private tensorProto (name: string) (dims: int[]) (data: float32[]) =
    [ PackedVarints(1, dims |> Array.map int64); Varint(2, FLOAT); Text(8, name); Raw(9, floatBytes data) ]

let private int64Tensor (name: string) (values: int64[]) =
    let b = Array.zeroCreate (values.Length * 8)
    values |> Array.iteri (fun i v -> Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(Span(b, i * 8, 8), v))
    [ PackedVarints(1, [| int64 values.Length |]); Varint(2, INT64); Text(8, name); Raw(9, b) ]

// AttributeProto: name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, INTS 7)
let private attrInts (name: string) (values: int list) =
    Message(5, [ Text(1, name); PackedVarints(8, values |> List.map int64 |> Array.ofList); Varint(20, 7L) ])
let private attrInt (name: string) (value: int64) = Message(5, [ Text(1, name); Varint(3, value); Varint(20, 2L) ])
let private attrFloat (name: string) (value: float32) = Message(5, [ Text(1, name); Float(2, value); Varint(20, 1L) ])

let private node (opType: string) (name: string) (inputs: string list) (output: string) (attrs: Field list) =
    Message(1, [ for i in inputs -> Text(1, i) ] @ [ Text(2, output); Text(3, name); Text(4, opType) ] @ attrs)

// ValueInfoProto name 1, type 2; TypeProto tensor_type 1; Tensor elem_type 1, shape 2; Dimension dim_value 1, dim_param 2
let private valueInfo (field: int) (name: string) (dims: int[]) =
    let dim d = Message(1, [ Varint(1, int64 d) ])
    Message(field, [ Text(1, name)
                     Message(2, [ Message(1, [ Varint(1, FLOAT)
                                               Message(2, Message(1, [ Text(2, "N") ]) :: [ for d in dims -> dim d ]) ]) ]) ])

let private activationOp (a: Activation) =
    match a with
    | Linear -> None
    | Relu -> Some "Relu"
    | Tanh -> Some "Tanh"
    | Sigmoid -> Some "Sigmoid"
    | Softmax -> Some "Softmax"

/// The nodes and initializers of one layer, reading `input` and writing `output`.
let private layerNodes (l: BuiltLayer) (p: string -> Tensor option) (input: string) (output: string) =
    let pair (a, b) = [ a; b ]
    let pre = l.Name + "_pre"
    let activated (a: Activation) (mainOp: string -> Field list) =
        match activationOp a with
        | None -> mainOp output
        | Some op -> mainOp pre @ [ node op (l.Name + "/" + op) [ pre ] output (if op = "Softmax" then [ attrInt "axis" -1L ] else []) ]
    let weights (names: string list) =
        names |> List.map (fun n -> let t = (p n).Value in Message(5, tensorProto (l.Name + "/" + n) t.Dims t.Data))
    let hasBias = (p "bias").IsSome
    let paramInputs = (l.Name + "/kernel") :: (if hasBias then [ l.Name + "/bias" ] else [])
    let paramNames = "kernel" :: (if hasBias then [ "bias" ] else [])
    let input4 = Array.append [| 1 |] l.InputShape
    match l.Spec with
    | Conv2D c ->
        let pads =
            match c.Padding with
            | Padding.Valid -> Shape.Padding2d.zero
            | Padding.Same -> Shape.Padding2d.same (l.InputShape.[1], l.InputShape.[2]) c.Kernel c.Strides
        weights paramNames
        @ activated c.Activation (fun out ->
            [ node "Conv" l.Name (input :: paramInputs) out
                [ attrInts "kernel_shape" (pair c.Kernel); attrInts "strides" (pair c.Strides)
                  attrInts "pads" [ pads.Top; pads.Left; pads.Bottom; pads.Right ] ] ])
    | Conv2DTranspose c ->
        let kernel = [| l.InputShape.[0]; c.Filters; fst c.Kernel; snd c.Kernel |]
        let g =
            match c.Padding with
            | Padding.Valid -> Shape.convTranspose2d input4 kernel c.Strides (0, 0) (0, 0)
            | Padding.Same -> Shape.convTranspose2dSameTf input4 kernel c.Strides
        // the full transposed output is (in - 1) * s + k; PadTop is cropped before, the rest after,
        // and when the rest is negative the output grows by output_padding instead
        let after full kept before = full - kept - before
        let endH = after ((l.InputShape.[1] - 1) * g.SH + g.KH) g.H g.PadTop
        let endW = after ((l.InputShape.[2] - 1) * g.SW + g.KW) g.W g.PadLeft
        weights paramNames
        @ activated c.Activation (fun out ->
            [ node "ConvTranspose" l.Name (input :: paramInputs) out
                [ attrInts "kernel_shape" (pair c.Kernel); attrInts "strides" (pair c.Strides)
                  attrInts "pads" [ g.PadTop; g.PadLeft; max 0 endH; max 0 endW ]
                  attrInts "output_padding" [ max 0 -endH; max 0 -endW ] ] ])
    | MaxPool2D s | AvgPool2D s ->
        let op = match l.Spec with MaxPool2D _ -> "MaxPool" | _ -> "AveragePool"
        [ node op l.Name [ input ] output [ attrInts "kernel_shape" (pair s.PoolSize); attrInts "strides" (pair s.PoolStrides) ] ]
    | Dense d ->
        weights paramNames @ activated d.DenseActivation (fun out -> [ node "Gemm" l.Name (input :: paramInputs) out [] ])
    | Dropout(_, rate) ->
        // opset 13's Dropout takes its ratio as an input; without training_mode it is the identity
        let ratio = l.Name + "/ratio"
        [ Message(5, tensorProto ratio [||] [| rate |]); node "Dropout" l.Name [ input; ratio ] output [] ]
    | Flatten _ -> [ node "Flatten" l.Name [ input ] output [ attrInt "axis" 1L ] ]
    | Reshape _ ->
        let shapeName = l.Name + "/shape"
        [ Message(5, int64Tensor shapeName (Array.append [| 0L |] (l.OutputShape |> Array.map int64)))
          node "Reshape" l.Name [ input; shapeName ] output [] ]
    | ActivationLayer(_, a) ->
        match activationOp a with
        | None -> [ node "Identity" l.Name [ input ] output [] ]
        | Some op -> [ node op l.Name [ input ] output (if op = "Softmax" then [ attrInt "axis" -1L ] else []) ]

/// The ONNX bytes of a model (opset 13, input "input" [N,C,H,W], output "output").
let toBytes (model: Model) : byte[] =
    let find (l: BuiltLayer) n = ParamTree.tryFind (l.Name + "/" + n) model.Params |> Option.bind (function Leaf t -> Some t | Branch _ -> None)
    let count = model.Layers.Length
    let fields =
        model.Layers |> List.mapi (fun i l ->
            let input = if i = 0 then "input" else model.Layers.[i - 1].Name
            let output = if i = count - 1 then "output" else l.Name
            layerNodes l (find l) input output)
        |> List.concat
    // GraphProto: node 1, name 2, initializer 5, input 11, output 12. Initializers are the 5s
    // produced above as Message(5, ...); nodes are Message(1, ...).
    let graph =
        fields @ [ Text(2, "funccnn"); valueInfo 11 "input" model.InputShape; valueInfo 12 "output" model.OutputShape ]
    encode
        [ Varint(1, 8L)                                  // ir_version 8
          Text(2, "FuncCnn"); Text(3, "1")
          Message(7, graph)
          Message(8, [ Text(1, ""); Varint(2, Opset) ]) ]

/// Writes a model as an ONNX file.
let save (path: string) (model: Model) =
    let bytes = toBytes model
    FileOut.write path (fun full -> File.WriteAllBytes(full, bytes))

// ---------------------------------------------------------------------------------------------
// Reading: a message is parsed into its fields by CodedInputStream, nested ones on demand.

type private Value =
    | V of uint64
    | F32 of uint32
    | F64 of uint64
    | Bytes of byte[]

let private parse (file: string) (what: string) (bytes: byte[]) : (int * Value) list =
    try
        let input = new CodedInputStream(bytes)
        let fields = Collections.Generic.List<int * Value>()
        let mutable tag = input.ReadTag()
        while tag <> 0u do
            let n = WireFormat.GetTagFieldNumber tag
            match WireFormat.GetTagWireType tag with
            | WireFormat.WireType.Varint -> fields.Add((n, V(input.ReadUInt64())))
            | WireFormat.WireType.Fixed32 -> fields.Add((n, F32(input.ReadFixed32())))
            | WireFormat.WireType.Fixed64 -> fields.Add((n, F64(input.ReadFixed64())))
            | WireFormat.WireType.LengthDelimited -> fields.Add((n, Bytes(input.ReadBytes().ToByteArray())))
            | _ -> input.SkipLastField()
            tag <- input.ReadTag()
        List.ofSeq fields
    with :? InvalidProtocolBufferException as e -> fail file "is not a valid ONNX file: %s is malformed (%s)" what e.Message

let private all n (fields: (int * Value) list) = fields |> List.filter (fst >> (=) n) |> List.map snd
let private str = function Bytes b -> Text.Encoding.UTF8.GetString b | _ -> ""
let private strings n fields = all n fields |> List.map str
let private first n fields = all n fields |> List.tryHead
let private int64Of = function V v -> int64 v | _ -> 0L

/// Repeated int64 field, packed or not.
let private int64s file n fields =
    all n fields |> List.collect (function
        | V v -> [ int64 v ]
        | Bytes b ->
            let s = new CodedInputStream(b)
            let acc = Collections.Generic.List<int64>()
            (try while not s.IsAtEnd do acc.Add(s.ReadInt64())
             with :? InvalidProtocolBufferException as e -> fail file "is not a valid ONNX file: a packed integer list is malformed (%s)" e.Message)
            List.ofSeq acc
        | _ -> [])

type private OnnxTensor = { TName: string; Dims: int[]; Floats: float32[]; Ints: int64[] }

let private tensorOf (file: string) (fileLength: int64) (bytes: byte[]) =
    let f = parse file "a tensor" bytes
    let name = first 8 f |> Option.map str |> Option.defaultValue ""
    let dims64 = int64s file 1 f
    if dims64 |> List.exists (fun d -> d < 0L || d > int64 Int32.MaxValue) then fail file "initializer '%s' has an impossible shape %A" name dims64
    let dims = dims64 |> List.map int |> Array.ofList
    // saturating, never wrapping: a count that exceeds one tensor is refused, not taken modulo 2^64
    let count = Shape.numel64 dims
    if count > Shape.MaxElements then fail file "initializer '%s' has shape %s, more values than one tensor can hold" name (Shape.show dims)
    if count * 4L > fileLength then fail file "initializer '%s' declares %d values, more than the file holds" name count
    let dtype = first 2 f |> Option.map int64Of |> Option.defaultValue 0L
    let raw = first 9 f |> Option.bind (function Bytes b -> Some b | _ -> None)
    if first 14 f |> Option.map int64Of = Some 1L then fail file "initializer '%s' keeps its data in an external file, which is not supported" name
    match dtype with
    | 1L ->
        let floats =
            match raw with
            | Some b ->
                if int64 b.Length <> count * 4L then fail file "initializer '%s' has %d bytes of data for shape %s (needs %d)" name b.Length (Shape.show dims) (count * 4L)
                Array.init (int count) (fun i -> Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(ReadOnlySpan(b, i * 4, 4)))
            | None ->
                let packed =
                    all 4 f |> List.collect (function
                        | Bytes b when b.Length % 4 = 0 -> List.init (b.Length / 4) (fun i -> Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(ReadOnlySpan(b, i * 4, 4)))
                        | F32 v -> [ BitConverter.UInt32BitsToSingle v ]
                        | _ -> fail file "initializer '%s' has malformed float data" name) |> Array.ofList
                if int64 packed.Length <> count then fail file "initializer '%s' has %d values for shape %s" name packed.Length (Shape.show dims)
                packed
        { TName = name; Dims = dims; Floats = floats; Ints = [||] }
    | 7L ->
        let ints =
            match raw with
            | Some b when int64 b.Length = count * 8L -> Array.init (int count) (fun i -> Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(ReadOnlySpan(b, i * 8, 8)))
            | Some b -> fail file "initializer '%s' has %d bytes for %d int64 values" name b.Length count
            | None -> int64s file 7 f |> Array.ofList
        { TName = name; Dims = dims; Floats = [||]; Ints = ints }
    | t -> fail file "initializer '%s' has data type %d; only float32 (1) weights and int64 (7) shapes are supported" name t

type private OnnxNode =
    { Name: string; Op: string; Inputs: string list; Output: string; Attrs: Map<string, (int * Value) list> }

let private nodeOf file (bytes: byte[]) =
    let f = parse file "a node" bytes
    let attrs =
        all 5 f |> List.choose (function
            | Bytes b -> let a = parse file "an attribute" b in Some(first 1 a |> Option.map str |> Option.defaultValue "", a)
            | _ -> None) |> Map.ofList
    let outputs = strings 2 f
    let op = first 4 f |> Option.map str |> Option.defaultValue "?"
    let name = first 3 f |> Option.map str |> Option.filter ((<>) "") |> Option.defaultValue (defaultArg (List.tryHead outputs) op)
    if outputs.Length <> 1 then fail file "node '%s' (%s) has %d outputs; only single-output nodes are supported" name op outputs.Length
    match first 7 f |> Option.map str with
    | Some d when d <> "" && d <> "ai.onnx" -> fail file "node '%s' (%s) is from operator domain '%s', which is not supported" name op d
    | _ -> ()
    { Name = name; Op = op; Inputs = strings 1 f; Output = outputs.Head; Attrs = attrs }

let private attrInts64 file (n: OnnxNode) key = n.Attrs |> Map.tryFind key |> Option.map (int64s file 8)
let private attrI (n: OnnxNode) key = n.Attrs |> Map.tryFind key |> Option.bind (first 3) |> Option.map int64Of
let private attrS (n: OnnxNode) key = n.Attrs |> Map.tryFind key |> Option.bind (first 4) |> Option.map str
let private attrF (n: OnnxNode) key = n.Attrs |> Map.tryFind key |> Option.bind (first 2) |> Option.map (function F32 v -> BitConverter.UInt32BitsToSingle v | _ -> Single.NaN)

/// The input's shape from a ValueInfoProto, without the batch dimension.
let private inputShapeOf file (bytes: byte[]) =
    let vi = parse file "the graph input" bytes
    let name = first 1 vi |> Option.map str |> Option.defaultValue ""
    let dims =
        first 2 vi |> Option.bind (function Bytes b -> first 1 (parse file "a type" b) | _ -> None)
        |> Option.bind (function Bytes b -> first 2 (parse file "a tensor type" b) | _ -> None)
        |> Option.map (function Bytes b -> all 1 (parse file "a shape" b) | _ -> [])
        |> Option.defaultValue []
        |> List.map (function Bytes b -> (first 1 (parse file "a dimension" b) |> Option.map int64Of) | _ -> None)
    match dims with
    | _ :: rest when not rest.IsEmpty && rest |> List.forall (fun d -> d.IsSome && d.Value > 0L && d.Value < 1_000_000L) ->
        name, rest |> List.map (fun d -> int d.Value) |> Array.ofList
    | _ -> fail file "graph input '%s' must have a known shape [batch, ...] with every other dimension known" name

let private activationOfOp = function
    | "Relu" -> Some Relu
    | "Tanh" -> Some Tanh
    | "Sigmoid" -> Some Sigmoid
    | "Softmax" -> Some Softmax
    | _ -> None

/// Reads an ONNX model made of a chain of supported operators.
let ofBytes (file: string) (bytes: byte[]) : Model =
    let m = parse file "the model" bytes
    let opsets = all 8 m |> List.map (function Bytes b -> parse file "an opset" b | _ -> [])
    let graph =
        match first 7 m with
        | Some(Bytes g) -> parse file "the graph" g
        | _ -> fail file "is not an ONNX model: it has no graph"
    if opsets.IsEmpty then fail file "is not an ONNX model: it declares no operator set"
    let inits =
        all 5 graph |> List.choose (function Bytes b -> Some(tensorOf file (int64 bytes.Length) b) | _ -> None)
        |> List.map (fun t -> t.TName, t) |> Map.ofList
    let allNodes = all 1 graph |> List.choose (function Bytes b -> Some(nodeOf file b) | _ -> None)
    // Constant nodes (torch.onnx writes Reshape's target shape as one) are initializers by another name
    let constants =
        allNodes |> List.filter (fun n -> n.Op = "Constant") |> List.map (fun n ->
            match n.Attrs |> Map.tryFind "value" |> Option.bind (first 5) with
            | Some(Bytes t) -> n.Output, { tensorOf file (int64 bytes.Length) t with TName = n.Output }
            | _ -> fail file "node '%s' (Constant): only a tensor 'value' is supported" n.Name)
    let inits = constants |> List.fold (fun (m: Map<string, OnnxTensor>) (k, v) -> m.Add(k, v)) inits
    let nodes = allNodes |> List.filter (fun n -> n.Op <> "Constant")
    let graphInputs = all 11 graph |> List.choose (function Bytes b -> Some b | _ -> None)
    let inputName, inputShape =
        graphInputs |> List.map (inputShapeOf file) |> List.filter (fun (n, _) -> not (inits.ContainsKey n))
        |> function
            | [ i ] -> i
            | l -> fail file "the graph has %d data inputs; exactly one is supported" l.Length
    let weight (n: OnnxNode) (i: int) =
        match List.tryItem i n.Inputs |> Option.bind (fun name -> Map.tryFind name inits) with
        | Some t -> t
        | None -> fail file "node '%s' (%s): input %d must be a weight initializer" n.Name n.Op i
    let optWeight (n: OnnxNode) i = if n.Inputs.Length > i && n.Inputs.[i] <> "" then Some(weight n i) else None
    let pairAttr (n: OnnxNode) key dflt =
        match attrInts64 file n key with
        | Some [ a; b ] -> int a, int b
        | Some v -> fail file "node '%s' (%s): %s %A is not supported (2-d only)" n.Name n.Op key v
        | None -> dflt
    let checkAutoPad (n: OnnxNode) =
        match attrS n "auto_pad" with
        | None | Some "NOTSET" | Some "VALID" -> ()
        | Some p -> fail file "node '%s' (%s): auto_pad %s is not supported (give explicit pads)" n.Name n.Op p
    let checkOnes (n: OnnxNode) key =
        match attrInts64 file n key with
        | Some v when v |> List.exists ((<>) 1L) -> fail file "node '%s' (%s): %s %A is not supported" n.Name n.Op key v
        | _ -> ()
    // Walk the chain: each node reads the previous output. Returns (spec, params) per layer.
    let rec go (current: string) (shape: int[]) (acc: (LayerSpec * (string * Tensor) list) list) (rest: OnnxNode list) =
        match rest with
        | [] -> current, List.rev acc
        | n :: tail ->
            if n.Inputs.IsEmpty || n.Inputs.Head <> current then
                fail file "node '%s' (%s) reads '%s', not the previous output '%s': only a chain of operators can be imported"
                    n.Name n.Op (defaultArg (List.tryHead n.Inputs) "") current
            let add spec ps = 
                let out =
                    try Layer.outputShape n.Name spec shape
                    with :? FuncCnnException as e -> fail file "node '%s' (%s): %s" n.Name n.Op e.Message
                go n.Output out ((spec, ps) :: acc) tail
            let name = Some(n.Name.Replace('/', '_'))
            let convParams (n: OnnxNode) =
                let w = weight n 1
                ("kernel", Tensor.ofArray w.Dims w.Floats)
                :: (optWeight n 2 |> Option.map (fun b -> "bias", Tensor.ofArray b.Dims b.Floats) |> Option.toList), w
            match activationOfOp n.Op, acc with
            | Some a, (spec, ps) :: before when Layer.activation spec = Linear && (match spec with ActivationLayer _ | Dropout _ | Flatten _ | Reshape _ | MaxPool2D _ | AvgPool2D _ -> false | _ -> true) ->
                // fold the activation into the layer before it
                if a = Softmax && (match attrI n "axis" with Some ax -> ax <> -1L && ax <> 1L | None -> false) then
                    fail file "node '%s' (Softmax): only the feature axis is supported" n.Name
                go n.Output shape ((Layer.withActivation a spec, ps) :: before) tail
            | Some a, _ -> add (ActivationLayer(name, a)) []
            | None, _ ->
            match n.Op with
            | "Conv" | "ConvTranspose" ->
                checkAutoPad n
                checkOnes n "dilations"
                if (attrI n "group" |> Option.defaultValue 1L) <> 1L then fail file "node '%s' (%s): grouped convolution is not supported" n.Name n.Op
                let ps, w = convParams n
                if w.Dims.Length <> 4 then fail file "node '%s' (%s): kernel %s is not 2-d" n.Name n.Op (Shape.show w.Dims)
                let kh, kw = w.Dims.[2], w.Dims.[3]
                let strides = pairAttr n "strides" (1, 1)
                let pads =
                    match attrInts64 file n "pads" with
                    | Some [ t; l; b; r ] -> int t, int l, int b, int r
                    | None -> 0, 0, 0, 0
                    | Some v -> fail file "node '%s' (%s): pads %A are not 2-d" n.Name n.Op v
                let filters = if n.Op = "Conv" then w.Dims.[0] else w.Dims.[1]
                let baseSpec = { Layers.convSpec filters kh Linear with Name = name; Kernel = (kh, kw); Strides = strides; UseBias = ps.Length = 2 }
                let valid = pads = (0, 0, 0, 0)
                if n.Op = "Conv" then
                    let same = Shape.Padding2d.same (shape.[1], shape.[2]) (kh, kw) strides
                    let padding =
                        if valid then Padding.Valid
                        elif pads = (same.Top, same.Left, same.Bottom, same.Right) then Padding.Same
                        else fail file "node '%s' (Conv): pads %A are neither none nor 'same' for this input, which FuncCnn's Conv2D cannot express" n.Name pads
                    add (Conv2D { baseSpec with Padding = padding }) ps
                else
                    let outPad = pairAttr n "output_padding" (0, 0)
                    if attrInts64 file n "output_shape" |> Option.isSome then fail file "node '%s' (ConvTranspose): output_shape is not supported (give pads)" n.Name
                    let x = Array.append [| 1 |] shape
                    let kernel = [| shape.[0]; filters; kh; kw |]
                    let sameG = Shape.convTranspose2dSameTf x kernel strides
                    let t, l, b, r = pads
                    let sh, sw = strides
                    let expected k s inn out before = (inn - 1) * s + k - out - before
                    let endH, endW = expected kh sh shape.[1] sameG.H sameG.PadTop, expected kw sw shape.[2] sameG.W sameG.PadLeft
                    let padding =
                        if valid && outPad = (0, 0) then Padding.Valid
                        elif (t, l) = (sameG.PadTop, sameG.PadLeft) && (b, r) = (max 0 endH, max 0 endW) && outPad = (max 0 -endH, max 0 -endW) then Padding.Same
                        else fail file "node '%s' (ConvTranspose): pads %A with output_padding %A are neither none nor Keras' 'same', which FuncCnn's Conv2DTranspose cannot express" n.Name pads outPad
                    add (Conv2DTranspose { baseSpec with Padding = padding }) ps
            | "MaxPool" | "AveragePool" ->
                checkAutoPad n
                match attrInts64 file n "pads" with
                | Some v when v |> List.exists ((<>) 0L) -> fail file "node '%s' (%s): padded pooling is not supported" n.Name n.Op
                | _ -> ()
                if attrI n "ceil_mode" = Some 1L then fail file "node '%s' (%s): ceil_mode is not supported" n.Name n.Op
                checkOnes n "dilations"
                let size = pairAttr n "kernel_shape" (1, 1)
                let spec = { PoolName = name; PoolSize = size; PoolStrides = pairAttr n "strides" (1, 1) }
                add (if n.Op = "MaxPool" then MaxPool2D spec else AvgPool2D spec) []
            | "Gemm" ->
                if attrI n "transA" = Some 1L then fail file "node '%s' (Gemm): transA is not supported" n.Name
                let alpha, beta = defaultArg (attrF n "alpha") 1.0f, defaultArg (attrF n "beta") 1.0f
                if alpha <> 1.0f || beta <> 1.0f then fail file "node '%s' (Gemm): alpha %g / beta %g other than 1 are not supported" n.Name alpha beta
                let w = weight n 1
                if w.Dims.Length <> 2 then fail file "node '%s' (Gemm): weight %s is not 2-d" n.Name (Shape.show w.Dims)
                let kernel =
                    if attrI n "transB" = Some 1L then
                        let units, inputs = w.Dims.[0], w.Dims.[1]
                        [| inputs; units |], Array.init (inputs * units) (fun i -> w.Floats.[(i % units) * inputs + i / units])
                    else w.Dims, w.Floats
                let units = (fst kernel).[1]
                let bias = optWeight n 2
                bias |> Option.iter (fun b -> if b.Floats.Length <> units then fail file "node '%s' (Gemm): bias %s does not have %d values" n.Name (Shape.show b.Dims) units)
                add (Dense { Layers.denseSpec units Linear with DenseName = name; DenseUseBias = bias.IsSome })
                    (("kernel", Tensor.ofArray (fst kernel) (snd kernel)) :: (bias |> Option.map (fun b -> "bias", Tensor.ofArray [| units |] b.Floats) |> Option.toList))
            | "MatMul" ->
                let w = weight n 1
                if w.Dims.Length <> 2 then fail file "node '%s' (MatMul): weight %s is not 2-d" n.Name (Shape.show w.Dims)
                add (Dense { Layers.denseSpec w.Dims.[1] Linear with DenseName = name; DenseUseBias = false }) [ "kernel", Tensor.ofArray w.Dims w.Floats ]
            | "Add" ->
                match acc with
                | (Dense d, [ k ]) :: before when not d.DenseUseBias ->
                    let b = weight n 1
                    if b.Floats.Length <> d.Units then fail file "node '%s' (Add): bias %s does not have %d values" n.Name (Shape.show b.Dims) d.Units
                    go n.Output shape ((Dense { d with DenseUseBias = true }, [ k; "bias", Tensor.ofArray [| d.Units |] b.Floats ]) :: before) tail
                | _ -> fail file "node '%s' (Add): only a bias added right after MatMul is supported" n.Name
            | "Flatten" ->
                if (attrI n "axis" |> Option.defaultValue 1L) <> 1L then fail file "node '%s' (Flatten): only axis 1 is supported" n.Name
                add (Flatten name) []
            | "Reshape" ->
                let target = (weight n 1).Ints |> Array.map int
                let body =
                    match List.ofArray target with
                    | (0 | -1) :: rest when not rest.IsEmpty -> Array.ofList rest
                    | _ -> fail file "node '%s' (Reshape): target %s must keep the batch dimension first (0 or -1)" n.Name (Shape.show target)
                add (Reshape(name, body)) []
            | "Dropout" ->
                let ratio =
                    match optWeight n 1 with
                    | Some r when r.Floats.Length = 1 -> r.Floats.[0]
                    | Some r -> fail file "node '%s' (Dropout): ratio %s is not a scalar" n.Name (Shape.show r.Dims)
                    | None -> defaultArg (attrF n "ratio") 0.5f
                if not (ratio >= 0.0f && ratio < 1.0f) then fail file "node '%s' (Dropout): ratio %g is not in [0, 1)" n.Name ratio
                add (Dropout(name, ratio)) []
            | "Identity" -> go n.Output shape acc tail
            | "Pad" ->
                // torch.onnx writes AvgPool2d as Pad (all zeros) + AveragePool: a zero Pad is the identity
                let pads =
                    match optWeight n 1 with
                    | Some p -> Array.toList p.Ints
                    | None -> attrInts64 file n "pads" |> Option.defaultValue []
                if pads |> List.exists ((<>) 0L) then
                    fail file "node '%s' (Pad): padding %A is not supported (only an all-zero Pad, which changes nothing)" n.Name pads
                go n.Output shape acc tail
            | op -> fail file "node '%s': operator '%s' is not supported (supported: Conv, ConvTranspose, MaxPool, AveragePool, Gemm, MatMul, Add after MatMul, Relu, Tanh, Sigmoid, Softmax, Flatten, Reshape, Dropout, Identity)" n.Name op
    let last, layers = go inputName inputShape [] nodes
    let outputs = all 12 graph |> List.choose (function Bytes b -> first 1 (parse file "the graph output" b) |> Option.map str | _ -> None)
    if outputs <> [ last ] then fail file "the graph's outputs %A are not the end of its chain of operators ('%s')" outputs last
    if layers.IsEmpty then fail file "the graph has no layers"
    let arch = Architecture.ofSpecs (layers |> List.map fst)
    let built =
        try Architecture.infer inputShape arch
        with :? FuncCnnException as e -> fail file "the graph does not fit FuncCnn: %s" e.Message
    List.zip built layers |> List.iter (fun (b, (_, ps)) ->
        let expected = Layer.parameterShapes b.Spec b.InputShape
        if expected <> (ps |> List.map (fun (n, t) -> n, t.Shape)) then
            fail file "layer '%s': weights %s do not fit its shapes %s" b.Name
                (ps |> List.map (fun (n, t) -> n + Shape.show t.Shape) |> String.concat ", ")
                (expected |> List.map (fun (n, s) -> n + Shape.show s) |> String.concat ", "))
    let tree =
        Branch(List.zip built layers |> List.choose (fun (b, (_, ps)) ->
            if ps.IsEmpty then None else Some(b.Name, Branch(ps |> List.map (fun (n, t) -> n, Leaf t)))))
    { Layers = built; InputShape = inputShape; OutputShape = (List.last built).OutputShape; Params = tree }

/// Reads an ONNX model file.
let load (path: string) : Model =
    if not (File.Exists path) then raise (FileNotFoundException(sprintf "ONNX model file not found: %s" path, path))
    let bytes = try File.ReadAllBytes path with :? IOException | :? UnauthorizedAccessException as e -> raise (ModelFileException(path, "could not be read: " + e.Message, e))
    ofBytes path bytes
