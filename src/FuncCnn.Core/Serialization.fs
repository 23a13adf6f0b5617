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

    /// How old a temporary file of ours must be before it counts as left behind by a killed save.
    let StaleTempAge = TimeSpan.FromMinutes 10.0

    /// Removes the temporary files a killed save of `full` left behind: only our own naming
    /// (<file>.<32 hex digits>.tmp), only those older than StaleTempAge, and only when no one holds
    /// them open (a save in progress keeps its file locked). Failures are ignored: this is tidying.
    let cleanStaleTemps (full: string) =
        try
            let dir = Path.GetDirectoryName full
            let name = Path.GetFileName full
            let ours = Text.RegularExpressions.Regex("^" + Text.RegularExpressions.Regex.Escape name + @"\.[0-9a-f]{32}\.tmp$")
            for f in Directory.EnumerateFiles(dir, name + ".*.tmp") do
                if ours.IsMatch(Path.GetFileName f) && File.GetLastWriteTimeUtc f < DateTime.UtcNow - StaleTempAge then
                    try
                        using (new FileStream(f, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) ignore
                        File.Delete f
                    with :? IOException | :? UnauthorizedAccessException -> ()
        with :? IOException | :? UnauthorizedAccessException | :? ArgumentException -> ()

    /// Writes the model file atomically: a temporary file next to the target, flushed to disk,
    /// then renamed over it. If anything fails the previous file is untouched. Temporary files
    /// that an earlier, killed save left behind are removed (see cleanStaleTemps).
    /// A missing folder is created; a write failure is an IOException naming the file and folder.
    let save (path: string) (saved: SavedModel) : unit =
        let bytes = toBytes saved
        FileOut.write path (fun full ->
            cleanStaleTemps full
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

    // The manifest is checked against its schema as it is read: every field's JSON type and range,
    // so a wrong type, a fractional or huge number, or a null name is a ModelFileException naming
    // the file and the field (e.g. "layers[2].kernel[0]"), never a raw .NET message.

    /// A manifest value and where it is ("layers[2].filters").
    [<Struct>]
    type private At = { Field: string; Value: JsonElement }

    let private describe (v: JsonElement) =
        let raw = try v.GetRawText() with :? InvalidOperationException -> "(not valid UTF-8)"
        let raw = if raw.Length > 40 then raw.Substring(0, 40) + "..." else raw
        match v.ValueKind with
        | JsonValueKind.String -> sprintf "the string %s" raw
        | JsonValueKind.Number -> sprintf "the number %s" raw
        | JsonValueKind.True | JsonValueKind.False -> sprintf "the boolean %s" raw
        | JsonValueKind.Null -> "null"
        | JsonValueKind.Array -> "an array"
        | JsonValueKind.Object -> "an object"
        | _ -> "nothing"

    let private bad file (a: At) (want: string) : 'a =
        fail file "manifest field '%s' must be %s, found %s" a.Field want (describe a.Value)

    let private root (e: JsonElement) = { Field = "(root)"; Value = e }

    let private child (a: At) (name: string) = if a.Field = "(root)" then name else a.Field + "." + name

    let private tryProp file (a: At) (name: string) =
        if a.Value.ValueKind <> JsonValueKind.Object then bad file a "an object"
        match a.Value.TryGetProperty name with
        | true, v -> Some { Field = child a name; Value = v }
        | _ -> None

    let private prop file (a: At) (name: string) =
        match tryProp file a name with
        | Some v -> v
        | None -> fail file "the manifest has no '%s'" (child a name)

    let private items file (a: At) =
        if a.Value.ValueKind <> JsonValueKind.Array then bad file a "an array"
        [ for i, v in Seq.indexed (a.Value.EnumerateArray()) -> { Field = sprintf "%s[%d]" a.Field i; Value = v } ]

    let private str file (a: At) =
        if a.Value.ValueKind <> JsonValueKind.String then bad file a "a string"
        try a.Value.GetString()
        with :? InvalidOperationException -> fail file "manifest field '%s' is not valid UTF-8 text" a.Field

    let private int32Of file (a: At) =
        match a.Value.ValueKind with
        | JsonValueKind.Number ->
            match a.Value.TryGetInt32() with
            | true, v -> v
            | _ -> bad file a "a whole number in the 32-bit range"
        | _ -> bad file a "a whole number"

    let private floatOf file (a: At) =
        match a.Value.ValueKind with
        | JsonValueKind.Number ->
            match a.Value.TryGetDouble() with
            | true, v when Double.IsFinite v -> v
            | _ -> bad file a "a finite number"
        | _ -> bad file a "a number"

    let private boolOf file (a: At) =
        match a.Value.ValueKind with
        | JsonValueKind.True -> true
        | JsonValueKind.False -> false
        | _ -> bad file a "true or false"

    let private ints file (a: At) name = prop file a name |> items file |> List.map (int32Of file) |> Array.ofList

    /// A shape: whole numbers, each at least `least` (1 for sizes; -1 allowed in a reshape target).
    let private shapeOf file (a: At) name (least: int) =
        let at = prop file a name
        let dims = items file at |> List.map (fun d ->
            let v = int32Of file d
            if v < least then bad file d (if least = 1 then "a positive size" else sprintf "a size of at least %d" least)
            v)
        Array.ofList dims

    let private pair file (a: At) name =
        match ints file a name with
        | [| a; b |] -> a, b
        | other -> fail file "manifest field '%s' must be two numbers, got %s" (child a name) (Shape.show other)

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
        | c when c.StartsWith "constant:" ->
            match Single.TryParse(c.Substring 9, Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with
            | true, v when Single.IsFinite v -> Constant v
            | _ -> fail file "initializer '%s' is not a finite constant" c
        | other -> fail file "unknown initializer '%s'" other

    let private layerOf file (e: At) : LayerSpec =
        let str name = str file (prop file e name)
        let name = Some(str "name")
        let conv () : ConvSpec =
            { Name = name; Filters = int32Of file (prop file e "filters"); Kernel = pair file e "kernel"; Strides = pair file e "strides"
              Padding = (match str "padding" with "valid" -> Padding.Valid | "same" -> Padding.Same | p -> fail file "unknown padding '%s'" p)
              Activation = activationOf file (str "activation"); UseBias = boolOf file (prop file e "useBias")
              KernelInit = initOf file (str "kernelInitializer"); BiasInit = initOf file (str "biasInitializer") }
        let pool () = { PoolName = name; PoolSize = pair file e "poolSize"; PoolStrides = pair file e "strides" }
        match str "type" with
        | "Conv2D" -> Conv2D(conv ())
        | "Conv2DTranspose" -> Conv2DTranspose(conv ())
        | "MaxPooling2D" -> MaxPool2D(pool ())
        | "AveragePooling2D" -> AvgPool2D(pool ())
        | "Dense" ->
            Dense { DenseName = name; Units = int32Of file (prop file e "units"); DenseActivation = activationOf file (str "activation")
                    DenseUseBias = boolOf file (prop file e "useBias")
                    DenseKernelInit = initOf file (str "kernelInitializer"); DenseBiasInit = initOf file (str "biasInitializer") }
        | "Dropout" -> Dropout(name, float32 (floatOf file (prop file e "rate")))
        | "Flatten" -> Flatten name
        | "Reshape" -> Reshape(name, shapeOf file e "targetShape" -1)
        | "Activation" -> ActivationLayer(name, activationOf file (str "activation"))
        | other -> fail file "unknown layer type '%s'" other

    let private optionalFloat file (e: At) (name: string) =
        match tryProp file e name with
        | Some v when v.Value.ValueKind = JsonValueKind.Null -> None
        | Some v -> Some(floatOf file v)
        | None -> None

    let private historyOf file (training: At) =
        match tryProp file training "history" with
        | Some h ->
            [ for e in items file h ->
                { Epoch = int32Of file (prop file e "epoch")
                  TrainLoss = floatOf file (prop file e "trainLoss")
                  TrainAccuracy = optionalFloat file e "trainAccuracy"
                  ValLoss = optionalFloat file e "valLoss"
                  ValAccuracy = optionalFloat file e "valAccuracy"
                  LearningRate = float32 (floatOf file (prop file e "learningRate"))
                  Seconds = floatOf file (prop file e "seconds")
                  Complete = (match tryProp file e "complete" with Some c -> boolOf file c | None -> true) } ]
        | None -> []

    /// Checks magic, version and the declared manifest length against the `available` bytes
    /// (the file's length when known); returns the manifest length. Needs only the first 12 bytes.
    let private checkHeader (file: string) (head: byte[]) (available: int64 option) =
        if head.Length < 4 || not (ReadOnlySpan(head, 0, 4).SequenceEqual(ReadOnlySpan magic)) then
            fail file "not a FuncCnn model file (the first bytes are not \"FCNN\")"
        if head.Length < headerSize then fail file "the file is truncated (%d bytes, not even a header)" head.Length
        let version = BinaryPrimitives.ReadUInt32LittleEndian(ReadOnlySpan(head, 4, 4))
        if version > Version then fail file "format version %d is newer than this library reads (version %d); update FuncCnn" version Version
        if version = 0u then fail file "format version 0 is not valid"
        let manifestLength = int64 (BinaryPrimitives.ReadUInt32LittleEndian(ReadOnlySpan(head, 8, 4)))
        let needed = int64 headerSize + manifestLength + int64 checksumSize
        match available with
        | Some length when needed > length ->
            fail file "the file is truncated: its manifest alone needs %d bytes but the file has %d" needed length
        | _ -> ()
        if needed > int64 Array.MaxLength then fail file "the manifest declares %d bytes, more than a model file can hold" manifestLength
        int manifestLength

    /// The parameters the manifest lists (path, shape) and the bytes their blobs take, every
    /// shape checked (no negative size, no element count beyond one tensor) before anything is
    /// allocated for it.
    let private declaredParameters (file: string) (doc: JsonElement) =
        let parameters =
            [ for p in items file (prop file (root doc) "parameters") -> str file (prop file p "path"), shapeOf file p "shape" 0 ]
        // counted in 64 bits: a shape whose element count wraps around in 32 bits is refused here,
        // before anything is allocated, and never reaches a kernel
        for path, s in parameters do
            let n = Shape.numel64 s
            if n > Shape.MaxElements then
                fail file "parameter '%s' has shape %s in the manifest: %s elements, more than one tensor can hold (%d)"
                    path (Shape.show s) (if n = Int64.MaxValue then "over 9e18" else string n) Shape.MaxElements
        let blobBytes = parameters |> List.fold (fun (acc: int64) (_, s) -> min (Int64.MaxValue / 2L) (acc + Shape.numel64 s * 4L)) 0L
        parameters, blobBytes

    let private parseManifest (file: string) (bytes: byte[]) (offset: int) (length: int) =
        try JsonDocument.Parse(ReadOnlyMemory(bytes, offset, length))
        with :? JsonException as e -> raise (ModelFileException(file, "the manifest is not valid JSON: " + e.Message, e))

    /// Reads a model from a file's bytes; `name` is used in error messages.
    let ofBytes (name: string) (bytes: byte[]) : SavedModel =
        let file = name
        let manifestLength = checkHeader file (if bytes.Length >= headerSize then Array.sub bytes 0 headerSize else bytes) (Some(int64 bytes.Length))
        let manifestEnd = headerSize + manifestLength
        use doc = parseManifest file bytes headerSize manifestLength
        let parameters, blobBytes = declaredParameters file doc.RootElement
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
        let top = root doc.RootElement
        let inputShape = shapeOf file top "inputShape" 1
        let specs = [ for l in items file (prop file top "layers") -> layerOf file l ]
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
        let training = tryProp file top "training"
        { Model = { Layers = layers; InputShape = inputShape; OutputShape = (List.last layers).OutputShape; Params = Branch tree }
          ClassNames =
            (match tryProp file top "classNames" with
             | Some c -> [| for v in items file c -> str file v |]
             | None -> [||])
          History = training |> Option.map (historyOf file) |> Option.defaultValue []
          Metadata =
            training
            |> Option.bind (fun t -> tryProp file t "metadata")
            |> Option.map (fun m ->
                if m.Value.ValueKind <> JsonValueKind.Object then bad file m "an object"
                m.Value.EnumerateObject() |> Seq.map (fun p ->
                    let key = try p.Name with :? InvalidOperationException -> fail file "a key of manifest field '%s' is not valid UTF-8 text" m.Field
                    key, str file { Field = m.Field + "." + key; Value = p.Value }) |> Map.ofSeq)
            |> Option.defaultValue Map.empty }

    /// Reads exactly n bytes of a stream into a buffer that grows with the data that actually
    /// arrives (1 MB at a time), so a size declared in a header cannot allocate what is not there.
    let private readDeclared (file: string) (stream: Stream) (n: int) (what: string) : byte[] =
        let buf, got = Data.DataFile.readGrowing (fun buf offset count -> stream.ReadAtLeast(Span(buf, offset, count), count, false)) n
        if got < n then fail file "the file is truncated: %s needs %d bytes, the file has %d" what n got
        buf

    /// Reads a model file, checking magic, version, length, checksum and every shape. The header
    /// is checked first and nothing beyond what it and the manifest declare is ever read, so a
    /// huge file, a device such as /dev/zero or a lying header fails fast with little memory.
    let load (path: string) : SavedModel =
        let bytes =
            try
                use fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 <<< 16)
                let known = if fs.CanSeek && fs.Length > 0L then Some fs.Length else None
                let head = Array.zeroCreate headerSize
                let got = fs.ReadAtLeast(Span head, headerSize, false)
                let manifestLength = checkHeader path (Array.sub head 0 got) known
                let manifest = readDeclared path fs manifestLength "the manifest"
                let blobBytes =
                    use doc = parseManifest path manifest 0 manifestLength
                    snd (declaredParameters path doc.RootElement)
                let total = int64 headerSize + int64 manifestLength + blobBytes + int64 checksumSize
                match known with
                | Some length when total > length ->
                    fail path "the file is truncated: the manifest describes %d bytes but the file has %d" total length
                | Some length when total < length ->
                    fail path "the file has %d bytes after its checksum; it is not a single model file" (length - total)
                | _ -> ()
                if total > int64 Array.MaxLength then fail path "the manifest describes %d bytes, more than a model file can hold" total
                let rest = readDeclared path fs (int (blobBytes + int64 checksumSize)) "the parameters and checksum"
                if known.IsNone && fs.ReadByte() >= 0 then fail path "the file has bytes after its checksum; it is not a single model file"
                let all = Array.zeroCreate (int total)
                Buffer.BlockCopy(head, 0, all, 0, headerSize)
                Buffer.BlockCopy(manifest, 0, all, headerSize, manifestLength)
                Buffer.BlockCopy(rest, 0, all, headerSize + manifestLength, rest.Length)
                all
            with :? IOException | :? UnauthorizedAccessException as e -> raise (ModelFileException(path, "could not be read: " + e.Message, e))
        ofBytes path bytes

    /// Reads only the model of a file.
    let loadModel (path: string) : Model = (load path).Model
