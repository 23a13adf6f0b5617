namespace FuncCnn.Core

open FuncCnn

open FuncCnn.Core
open System
open System.Buffers.Binary
open System.IO
open System.Security.Cryptography
open System.Text
open System.Text.Json

/// What a model file holds: the model (architecture, names, shapes, parameters) and what is
/// known about it.
type SavedModel =
    { Model: Model
      /// Class names by label (empty when unknown).
      ClassNames: string[]
      /// The training history, if it was kept.
      History: EpochRecord list
      /// Free-form training metadata (dataset, seed, optimizer, date, ...).
      Metadata: Map<string, string> }

/// FuncCnn's own model format, version 1, little-endian:
///   "FCNN" | version u32 | manifest length u32 | manifest (UTF-8 JSON) | float32 blobs | SHA-256
/// The manifest describes the architecture as data (layer types, hyper-parameters, names, shapes),
/// the parameters in blob order with their shapes, class names and training metadata. Loading
/// rebuilds the model from the manifest (no code runs) and checks every shape against it. The
/// checksum covers every byte before it. Saving writes a temporary file and renames it over the
/// target, so a crash mid-save leaves the previous file intact.
module Serialization =
    /// The first four bytes of every model file.
    let magic = "FCNN"B
    /// The format version this library writes and the newest it reads.
    [<Literal>]
    let Version = 1u

    let private headerSize = 12
    let private checksumSize = 32

    let private fail file fmt = Printf.ksprintf (fun s -> raise (ModelFileException(file, s))) fmt

    // ---- writing the manifest

    let private activationName = Layer.activationName

    let private initName (i: Initializer) =
        match i with
        | Zeros -> "zeros"
        | Constant c -> "constant:" + c.ToString("R", Globalization.CultureInfo.InvariantCulture)
        | GlorotUniform -> "glorot_uniform"
        | GlorotNormal -> "glorot_normal"
        | HeNormal -> "he_normal"
        | HeUniform -> "he_uniform"

    let private writeInts (w: Utf8JsonWriter) (name: string) (values: int[]) =
        w.WriteStartArray name
        for v in values do w.WriteNumberValue v
        w.WriteEndArray()

    let private writePair (w: Utf8JsonWriter) (name: string) (a: int, b: int) = writeInts w name [| a; b |]

    let private writeLayer (w: Utf8JsonWriter) (l: BuiltLayer) =
        w.WriteStartObject()
        w.WriteString("type", Layer.typeName l.Spec)
        w.WriteString("name", l.Name)
        match l.Spec with
        | Conv2D c | Conv2DTranspose c ->
            w.WriteNumber("filters", c.Filters)
            writePair w "kernel" c.Kernel
            writePair w "strides" c.Strides
            w.WriteString("padding", (match c.Padding with Padding.Valid -> "valid" | Padding.Same -> "same"))
            w.WriteString("activation", activationName c.Activation)
            w.WriteBoolean("useBias", c.UseBias)
            w.WriteString("kernelInitializer", initName c.KernelInit)
            w.WriteString("biasInitializer", initName c.BiasInit)
        | MaxPool2D p | AvgPool2D p ->
            writePair w "poolSize" p.PoolSize
            writePair w "strides" p.PoolStrides
        | Dense d ->
            w.WriteNumber("units", d.Units)
            w.WriteString("activation", activationName d.DenseActivation)
            w.WriteBoolean("useBias", d.DenseUseBias)
            w.WriteString("kernelInitializer", initName d.DenseKernelInit)
            w.WriteString("biasInitializer", initName d.DenseBiasInit)
        | Dropout(_, rate) -> w.WriteNumber("rate", float rate)
        | Flatten _ -> ()
        | Reshape(_, target) -> writeInts w "targetShape" target
        | ActivationLayer(_, a) -> w.WriteString("activation", activationName a)
        writeInts w "inputShape" l.InputShape
        writeInts w "outputShape" l.OutputShape
        w.WriteEndObject()

    let private writeOptional (w: Utf8JsonWriter) (name: string) (v: float option) =
        match v with
        | Some v -> w.WriteNumber(name, v)
        | None -> w.WriteNull name

    let private manifestJson (saved: SavedModel) (parameters: (string * Tensor) list) =
        use stream = new MemoryStream()
        (
            use w = new Utf8JsonWriter(stream, JsonWriterOptions(Indented = true))
            w.WriteStartObject()
            w.WriteString("format", "FuncCnn model")
            w.WriteString("layout", "NCHW; shapes exclude the batch")
            writeInts w "inputShape" saved.Model.InputShape
            writeInts w "outputShape" saved.Model.OutputShape
            w.WriteStartArray "layers"
            saved.Model.Layers |> List.iter (writeLayer w)
            w.WriteEndArray()
            w.WriteStartArray "parameters"
            for path, t in parameters do
                w.WriteStartObject()
                w.WriteString("path", path)
                writeInts w "shape" t.Dims
                w.WriteEndObject()
            w.WriteEndArray()
            w.WriteStartArray "classNames"
            for c in saved.ClassNames do w.WriteStringValue c
            w.WriteEndArray()
            w.WriteStartObject "training"
            w.WriteStartObject "metadata"
            for KeyValue(k, v) in saved.Metadata do w.WriteString(k, v)
            w.WriteEndObject()
            w.WriteStartArray "history"
            for e in saved.History do
                w.WriteStartObject()
                w.WriteNumber("epoch", e.Epoch)
                w.WriteNumber("trainLoss", e.TrainLoss)
                writeOptional w "trainAccuracy" e.TrainAccuracy
                writeOptional w "valLoss" e.ValLoss
                writeOptional w "valAccuracy" e.ValAccuracy
                w.WriteNumber("learningRate", float e.LearningRate)
                w.WriteNumber("seconds", e.Seconds)
                w.WriteBoolean("complete", e.Complete)
                w.WriteEndObject()
            w.WriteEndArray()
            w.WriteEndObject()
            w.WriteEndObject()
        )
        stream.ToArray()

    /// Header, manifest, blobs and checksum as one byte array (the blobs are raw float32 LE).
    let internal assemble (manifest: byte[]) (blobs: byte[]) =
        let body = Array.zeroCreate (headerSize + manifest.Length + blobs.Length + checksumSize)
        Array.blit magic 0 body 0 4
        BinaryPrimitives.WriteUInt32LittleEndian(Span(body, 4, 4), Version)
        BinaryPrimitives.WriteUInt32LittleEndian(Span(body, 8, 4), uint32 manifest.Length)
        Array.blit manifest 0 body headerSize manifest.Length
        Array.blit blobs 0 body (headerSize + manifest.Length) blobs.Length
        let hashed = body.Length - checksumSize
        SHA256.HashData(ReadOnlySpan(body, 0, hashed), Span(body, hashed, checksumSize)) |> ignore
        body

    /// The file's bytes for a saved model.
    let toBytes (saved: SavedModel) : byte[] =
        let parameters = ParamTree.leaves saved.Model.Params
        let expected = saved.Model.Layers |> List.collect (fun l -> Layer.parameterShapes l.Spec l.InputShape |> List.map (fun (n, s) -> l.Name + "/" + n, s))
        if List.map fst expected <> List.map fst parameters || List.exists2 (fun (_, s) (_, t: Tensor) -> s <> t.Dims) expected parameters then
            Fail.shape "save: the parameters (%s) do not match the model's layers (%s)"
                (parameters |> List.map (fun (p, t) -> p + Shape.show t.Dims) |> String.concat ", ")
                (expected |> List.map (fun (p, s) -> p + Shape.show s) |> String.concat ", ")
        let blobs = Array.zeroCreate (parameters |> List.sumBy (fun (_, t) -> t.Numel * 4))
        parameters |> List.fold (fun offset (_, t: Tensor) ->
            let data = t.Data
            for i in 0 .. data.Length - 1 do
                BinaryPrimitives.WriteSingleLittleEndian(Span(blobs, offset + i * 4, 4), data.[i])
            offset + t.Numel * 4) 0 |> ignore
        assemble (manifestJson saved parameters) blobs

    /// Writes the model file atomically: a temporary file next to the target, flushed to disk,
    /// then renamed over it. If anything fails the previous file is untouched.
    /// A missing folder is created; a write failure is an IOException naming the file and folder.
    let save (path: string) (saved: SavedModel) : unit =
        let bytes = toBytes saved
        FileOut.write path (fun full ->
            let tmp = full + "." + Guid.NewGuid().ToString("N") + ".tmp"
            try
                using (new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None)) (fun fs ->
                    fs.Write(bytes, 0, bytes.Length)
                    fs.Flush true)
                File.Move(tmp, full, true)
            finally
                if File.Exists tmp then File.Delete tmp)

    /// Saves a model without class names or history.
    let saveModel (path: string) (model: Model) =
        save path { Model = model; ClassNames = [||]; History = []; Metadata = Map.empty }

    // ---- reading

    let private prop file (e: JsonElement) (name: string) =
        match e.TryGetProperty name with
        | true, v -> v
        | _ -> fail file "the manifest has no '%s'%s" name (match e.TryGetProperty "name" with | true, n -> sprintf " in layer '%s'" (n.GetString()) | _ -> "")

    let private ints file (e: JsonElement) name = (prop file e name).EnumerateArray() |> Seq.map (fun v -> v.GetInt32()) |> Array.ofSeq
    let private pair file e name =
        match ints file e name with
        | [| a; b |] -> a, b
        | other -> fail file "'%s' must be two numbers, got %s" name (Shape.show other)

    let private activationOf file (s: string) =
        match s with
        | "linear" -> Linear
        | "relu" -> Relu
        | "tanh" -> Tanh
        | "sigmoid" -> Sigmoid
        | "softmax" -> Softmax
        | other -> fail file "unknown activation '%s'" other

    let private initOf file (s: string) =
        match s with
        | "zeros" -> Zeros
        | "glorot_uniform" -> GlorotUniform
        | "glorot_normal" -> GlorotNormal
        | "he_normal" -> HeNormal
        | "he_uniform" -> HeUniform
        | c when c.StartsWith "constant:" -> Constant(Single.Parse(c.Substring 9, Globalization.CultureInfo.InvariantCulture))
        | other -> fail file "unknown initializer '%s'" other

    let private layerOf file (e: JsonElement) : LayerSpec =
        let str name = (prop file e name).GetString()
        let name = Some(str "name")
        let conv () : ConvSpec =
            { Name = name; Filters = (prop file e "filters").GetInt32(); Kernel = pair file e "kernel"; Strides = pair file e "strides"
              Padding = (match str "padding" with "valid" -> Padding.Valid | "same" -> Padding.Same | p -> fail file "unknown padding '%s'" p)
              Activation = activationOf file (str "activation"); UseBias = (prop file e "useBias").GetBoolean()
              KernelInit = initOf file (str "kernelInitializer"); BiasInit = initOf file (str "biasInitializer") }
        let pool () = { PoolName = name; PoolSize = pair file e "poolSize"; PoolStrides = pair file e "strides" }
        match str "type" with
        | "Conv2D" -> Conv2D(conv ())
        | "Conv2DTranspose" -> Conv2DTranspose(conv ())
        | "MaxPooling2D" -> MaxPool2D(pool ())
        | "AveragePooling2D" -> AvgPool2D(pool ())
        | "Dense" ->
            Dense { DenseName = name; Units = (prop file e "units").GetInt32(); DenseActivation = activationOf file (str "activation")
                    DenseUseBias = (prop file e "useBias").GetBoolean()
                    DenseKernelInit = initOf file (str "kernelInitializer"); DenseBiasInit = initOf file (str "biasInitializer") }
        | "Dropout" -> Dropout(name, float32 ((prop file e "rate").GetDouble()))
        | "Flatten" -> Flatten name
        | "Reshape" -> Reshape(name, ints file e "targetShape")
        | "Activation" -> ActivationLayer(name, activationOf file (str "activation"))
        | other -> fail file "unknown layer type '%s'" other

    let private optionalFloat (e: JsonElement) (name: string) =
        match e.TryGetProperty name with
        | true, v when v.ValueKind = JsonValueKind.Number -> Some(v.GetDouble())
        | _ -> None

    let private historyOf file (training: JsonElement) =
        match training.TryGetProperty "history" with
        | true, h ->
            [ for e in h.EnumerateArray() ->
                { Epoch = (prop file e "epoch").GetInt32()
                  TrainLoss = (prop file e "trainLoss").GetDouble()
                  TrainAccuracy = optionalFloat e "trainAccuracy"
                  ValLoss = optionalFloat e "valLoss"
                  ValAccuracy = optionalFloat e "valAccuracy"
                  LearningRate = float32 ((prop file e "learningRate").GetDouble())
                  Seconds = (prop file e "seconds").GetDouble()
                  Complete = (match e.TryGetProperty "complete" with
                              | true, c when c.ValueKind = JsonValueKind.False -> false
                              | _ -> true) } ]
        | _ -> []

    /// Reads a model from a file's bytes; `name` is used in error messages.
    let ofBytes (name: string) (bytes: byte[]) : SavedModel =
        let file = name
        if bytes.Length < 4 || not (ReadOnlySpan(bytes, 0, 4).SequenceEqual(ReadOnlySpan magic)) then
            fail file "not a FuncCnn model file (the first bytes are not \"FCNN\")"
        if bytes.Length < headerSize then fail file "the file is truncated (%d bytes, not even a header)" bytes.Length
        let version = BinaryPrimitives.ReadUInt32LittleEndian(ReadOnlySpan(bytes, 4, 4))
        if version > Version then fail file "format version %d is newer than this library reads (version %d); update FuncCnn" version Version
        if version = 0u then fail file "format version 0 is not valid"
        let manifestLength = int64 (BinaryPrimitives.ReadUInt32LittleEndian(ReadOnlySpan(bytes, 8, 4)))
        if int64 headerSize + manifestLength + int64 checksumSize > int64 bytes.Length then
            fail file "the file is truncated: its manifest alone needs %d bytes but the file has %d" (int64 headerSize + manifestLength + int64 checksumSize) bytes.Length
        let manifestEnd = headerSize + int manifestLength
        use doc =
            try JsonDocument.Parse(ReadOnlyMemory(bytes, headerSize, int manifestLength))
            with :? JsonException as e -> raise (ModelFileException(file, "the manifest is not valid JSON: " + e.Message, e))
        let root = doc.RootElement
        let parameters =
            try [ for p in (prop file root "parameters").EnumerateArray() -> (prop file p "path").GetString(), ints file p "shape" ]
            with :? InvalidOperationException as e -> raise (ModelFileException(file, "the manifest's parameter list is malformed: " + e.Message, e))
        if parameters |> List.exists (fun (_, s) -> s |> Array.exists (fun d -> d < 0)) then fail file "a parameter shape in the manifest is negative"
        let blobBytes = parameters |> List.sumBy (fun (_, s) -> int64 (Shape.numel s) * 4L)
        let expectedLength = int64 manifestEnd + blobBytes + int64 checksumSize
        if expectedLength > int64 bytes.Length then
            fail file "the file is truncated: the manifest describes %d bytes but the file has %d" expectedLength bytes.Length
        if expectedLength < int64 bytes.Length then
            fail file "the file has %d bytes after its checksum; it is not a single model file" (int64 bytes.Length - expectedLength)
        let hashed = bytes.Length - checksumSize
        let actual = SHA256.HashData(ReadOnlySpan(bytes, 0, hashed))
        if not (ReadOnlySpan(actual).SequenceEqual(ReadOnlySpan(bytes, hashed, checksumSize))) then
            fail file "checksum mismatch: the file is corrupted"
        // Rebuild the architecture from data and check every shape against the manifest.
        let inputShape = ints file root "inputShape"
        let specs =
            try [ for l in (prop file root "layers").EnumerateArray() -> layerOf file l ]
            with :? InvalidOperationException | :? FormatException as e -> raise (ModelFileException(file, "a layer in the manifest is malformed: " + e.Message, e))
        let layers =
            try Architecture.infer inputShape { Specs = specs }
            with :? FuncCnnException as e -> raise (ModelFileException(file, "the manifest's architecture does not build: " + e.Message, e))
        let expected = layers |> List.collect (fun l -> Layer.parameterShapes l.Spec l.InputShape |> List.map (fun (n, s) -> l.Name + "/" + n, s))
        if List.length expected <> List.length parameters then
            fail file "the manifest lists %d parameters but its architecture has %d" parameters.Length expected.Length
        for (path, shape), (wantPath, wantShape) in List.zip parameters expected do
            if path <> wantPath then fail file "parameter '%s' in the manifest should be '%s'" path wantPath
            if shape <> wantShape then
                fail file "parameter '%s' has shape %s in the manifest but the architecture needs %s" path (Shape.show shape) (Shape.show wantShape)
        let tensors, _ =
            parameters |> List.mapFold (fun offset (_, shape) ->
                let n = Shape.numel shape
                let data = Array.zeroCreate<float32> n
                let src = ReadOnlySpan(bytes, offset, n * 4)
                if BitConverter.IsLittleEndian then src.CopyTo(Runtime.InteropServices.MemoryMarshal.AsBytes(Span data))
                else for i in 0 .. n - 1 do data.[i] <- BinaryPrimitives.ReadSingleLittleEndian(src.Slice(i * 4, 4))
                Tensor.wrap (Array.copy shape) data, offset + n * 4) manifestEnd
        let tree =
            layers
            |> List.filter (fun l -> not (Layer.parameterShapes l.Spec l.InputShape).IsEmpty)
            |> List.mapFold (fun (ts: Tensor list) l ->
                let names = Layer.parameterShapes l.Spec l.InputShape |> List.map fst
                let mine, rest = List.splitAt names.Length ts
                (l.Name, Branch(List.zip names (mine |> List.map Leaf))), rest) tensors
            |> fst
        let training = match root.TryGetProperty "training" with | true, t -> Some t | _ -> None
        { Model = { Layers = layers; InputShape = inputShape; OutputShape = (List.last layers).OutputShape; Params = Branch tree }
          ClassNames =
            (match root.TryGetProperty "classNames" with
             | true, c -> [| for v in c.EnumerateArray() -> v.GetString() |]
             | _ -> [||])
          History = training |> Option.map (historyOf file) |> Option.defaultValue []
          Metadata =
            training
            |> Option.bind (fun t -> match t.TryGetProperty "metadata" with | true, m -> Some m | _ -> None)
            |> Option.map (fun m -> m.EnumerateObject() |> Seq.map (fun p -> p.Name, p.Value.GetString()) |> Map.ofSeq)
            |> Option.defaultValue Map.empty }

    /// Reads a model file, checking magic, version, length, checksum and every shape.
    let load (path: string) : SavedModel =
        let bytes =
            try File.ReadAllBytes path
            with :? IOException | :? UnauthorizedAccessException as e -> raise (ModelFileException(path, "could not be read: " + e.Message, e))
        ofBytes path bytes

    /// Reads only the model of a file.
    let loadModel (path: string) : Model = (load path).Model
