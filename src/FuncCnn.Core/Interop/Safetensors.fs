/// A model's parameter tree as safetensors: an 8-byte little-endian header length, a JSON header
/// (`__metadata__` and, per tensor, dtype, shape and data_offsets into the data that follows) padded
/// with spaces to a multiple of 8, then the raw little-endian data. Tensor names are the tree's paths
/// ("conv1/kernel"), in tree order, all float32 ("F32").
///
/// Reading validates the whole header before touching the data: the header length fits the file,
/// every tensor's offsets are in bounds and its byte size matches its shape and dtype (computed
/// without overflow), and the tensors tile the data exactly (contiguous, no gaps or overlap). So a
/// crafted header cannot make it read out of bounds or allocate more than the file holds.
module FuncCnn.Core.Interop.Safetensors

open System
open System.Buffers.Binary
open System.IO
open System.Text
open System.Text.Json
open FuncCnn
open FuncCnn.Core

let private fail (file: string) fmt = Printf.ksprintf (fun s -> raise (ModelFileException(file, s))) fmt

/// The largest header accepted (the format's reference implementation uses 100 MB).
let MaxHeaderBytes = 100L * 1024L * 1024L

/// One tensor's entry in the header.
type Entry = { Name: string; DType: string; Shape: int[]; Begin: int64; End: int64 }

let private dtypeSize = function
    | "F64" | "I64" | "U64" -> Some 8L
    | "F32" | "I32" | "U32" -> Some 4L
    | "F16" | "BF16" | "I16" | "U16" -> Some 2L
    | "I8" | "U8" | "BOOL" | "F8_E4M3" | "F8_E5M2" -> Some 1L
    | _ -> None

/// The bytes of a parameter tree as safetensors, with string metadata.
let toBytes (metadata: Map<string, string>) (tree: ParamTree) : byte[] =
    let leaves = ParamTree.leaves tree
    use json = new MemoryStream()
    (use w = new Utf8JsonWriter(json)
     w.WriteStartObject()
     w.WriteStartObject "__metadata__"
     for KeyValue(k, v) in metadata do w.WriteString(k, v)
     w.WriteEndObject()
     leaves |> List.fold (fun offset (name, t: Tensor) ->
         w.WriteStartObject name
         w.WriteString("dtype", "F32")
         w.WriteStartArray "shape"
         for d in t.Dims do w.WriteNumberValue d
         w.WriteEndArray()
         w.WriteStartArray "data_offsets"
         w.WriteNumberValue(offset: int64)
         w.WriteNumberValue(offset + int64 t.Numel * 4L)
         w.WriteEndArray()
         w.WriteEndObject()
         offset + int64 t.Numel * 4L) 0L |> ignore
     w.WriteEndObject())
    let header = json.ToArray()
    let padded = (header.Length + 7) / 8 * 8
    let dataLength = leaves |> List.sumBy (fun (_, t) -> t.Numel * 4)
    let bytes = Array.zeroCreate (8 + padded + dataLength)
    BinaryPrimitives.WriteUInt64LittleEndian(Span(bytes, 0, 8), uint64 padded)
    Array.blit header 0 bytes 8 header.Length
    Array.fill bytes (8 + header.Length) (padded - header.Length) (byte ' ')
    leaves |> List.fold (fun offset (_, t: Tensor) ->
        let data = t.Data
        for i in 0 .. data.Length - 1 do BinaryPrimitives.WriteSingleLittleEndian(Span(bytes, offset + i * 4, 4), data.[i])
        offset + data.Length * 4) (8 + padded) |> ignore
    bytes

/// Writes a model's parameters as a safetensors file.
let save (path: string) (metadata: Map<string, string>) (model: Model) =
    let bytes = toBytes metadata model.Params
    FileOut.write path (fun full -> File.WriteAllBytes(full, bytes))

/// Parses and validates the header of a safetensors stream of the given length: the entries sorted
/// by offset, the metadata, and where the data starts. Reads nothing beyond the header.
let readHeader (file: string) (stream: Stream) : Entry list * Map<string, string> * int64 =
    let length = stream.Length
    if length < 8L then fail file "is not a safetensors file: %d bytes, shorter than the 8-byte header length" length
    let lenBytes = Array.zeroCreate 8
    stream.Position <- 0L
    stream.ReadExactly(Span lenBytes)
    let headerLength = BinaryPrimitives.ReadUInt64LittleEndian(ReadOnlySpan lenBytes)
    if headerLength > uint64 (length - 8L) then fail file "header length %d exceeds the file (%d bytes)" headerLength length
    if headerLength > uint64 MaxHeaderBytes then fail file "header length %d exceeds the %d-byte limit" headerLength MaxHeaderBytes
    if headerLength < 2UL then fail file "header length %d is too short for a JSON header" headerLength
    let header = Array.zeroCreate (int headerLength)
    stream.ReadExactly(Span header)
    let dataStart = 8L + int64 headerLength
    let dataLength = length - dataStart
    (try Text.UTF8Encoding(false, true).GetCharCount header |> ignore
     with :? DecoderFallbackException -> fail file "header is not valid UTF-8")
    let root =
        try (JsonDocument.Parse(ReadOnlyMemory header)).RootElement
        with :? JsonException as e -> fail file "header is not valid JSON: %s" e.Message
    if root.ValueKind <> JsonValueKind.Object then fail file "header is not a JSON object"
    let mutable metadata = Map.empty
    let entries =
        [ for p in root.EnumerateObject() do
            if p.Name = "__metadata__" then
                if p.Value.ValueKind <> JsonValueKind.Object then fail file "__metadata__ is not an object of strings"
                for m in p.Value.EnumerateObject() do
                    if m.Value.ValueKind <> JsonValueKind.String then fail file "__metadata__ entry '%s' is not a string" m.Name
                    metadata <- metadata.Add(m.Name, m.Value.GetString())
            else
                let e = p.Value
                let prop n =
                    match (if e.ValueKind = JsonValueKind.Object then e.TryGetProperty(n: string) else (false, Unchecked.defaultof<_>)) with
                    | true, v -> v
                    | _ -> fail file "tensor '%s' has no '%s'" p.Name n
                let dtype = let d = prop "dtype" in if d.ValueKind = JsonValueKind.String then d.GetString() else fail file "tensor '%s': dtype is not a string" p.Name
                let size = match dtypeSize dtype with Some s -> s | None -> fail file "tensor '%s': unknown dtype '%s'" p.Name dtype
                let numbers n =
                    let a = prop n
                    if a.ValueKind <> JsonValueKind.Array then fail file "tensor '%s': %s is not a list" p.Name n
                    [| for v in a.EnumerateArray() ->
                        match v.ValueKind, (if v.ValueKind = JsonValueKind.Number then v.TryGetInt64() else (false, 0L)) with
                        | JsonValueKind.Number, (true, x) when x >= 0L -> x
                        | _ -> fail file "tensor '%s': %s holds %s, not a non-negative integer" p.Name n (v.GetRawText()) |]
                let shape = numbers "shape"
                let offsets = numbers "data_offsets"
                if offsets.Length <> 2 then fail file "tensor '%s': data_offsets must be [begin, end]" p.Name
                let b, en = offsets.[0], offsets.[1]
                if b > en || en > dataLength then
                    fail file "tensor '%s': data_offsets [%d, %d] are out of bounds (the data holds %d bytes)" p.Name b en dataLength
                // the element count, stopping as soon as it exceeds what the data could hold
                let count =
                    shape |> Array.fold (fun acc d ->
                        if acc = 0L || d = 0L then 0L
                        elif d > dataLength || acc > dataLength / d then fail file "tensor '%s': shape %A declares more values than the file holds" p.Name shape
                        else acc * d) 1L
                if count * size <> en - b then
                    fail file "tensor '%s': shape %A of %s needs %d bytes but data_offsets [%d, %d] give %d" p.Name shape dtype (count * size) b en (en - b)
                if shape |> Array.exists (fun d -> d > int64 Int32.MaxValue) then fail file "tensor '%s': a dimension of %A is too large" p.Name shape
                yield { Name = p.Name; DType = dtype; Shape = shape |> Array.map int; Begin = b; End = en } ]
    let sorted = entries |> List.sortBy (fun e -> e.Begin, e.End)
    let finalEnd =
        sorted |> List.fold (fun expected e ->
            if e.Begin <> expected then
                fail file "tensor '%s' starts at byte %d of the data, but the previous tensor ends at %d: tensors must be contiguous" e.Name e.Begin expected
            e.End) 0L
    if finalEnd <> dataLength then fail file "the tensors cover %d bytes of data but the file holds %d after the header" finalEnd dataLength
    sorted, metadata, dataStart

/// Reads one float32 tensor's values (its entry validated by readHeader).
let private readFloats (file: string) (stream: Stream) (dataStart: int64) (e: Entry) =
    if e.DType <> "F32" then fail file "tensor '%s' is %s; only F32 parameters can be loaded" e.Name e.DType
    let bytes = Array.zeroCreate (int (e.End - e.Begin))
    stream.Position <- dataStart + e.Begin
    stream.ReadExactly(Span bytes)
    Array.init (bytes.Length / 4) (fun i -> BinaryPrimitives.ReadSingleLittleEndian(ReadOnlySpan(bytes, i * 4, 4)))

/// The model with its parameters taken from a safetensors stream: every parameter of the model must
/// be there, as F32, with the model's shape (extra tensors are an error too, naming them).
let readInto (file: string) (stream: Stream) (model: Model) : Model * Map<string, string> =
    let entries, metadata, dataStart = readHeader file stream
    let byName = entries |> List.map (fun e -> e.Name, e) |> Map.ofList
    let leaves = ParamTree.leaves model.Params
    let missing = leaves |> List.map fst |> List.filter (byName.ContainsKey >> not)
    if not missing.IsEmpty then fail file "has no tensor %s that the model needs" (missing |> List.map (sprintf "'%s'") |> String.concat ", ")
    let extra = entries |> List.map (fun e -> e.Name) |> List.filter (fun n -> leaves |> List.forall (fst >> (<>) n))
    if not extra.IsEmpty then fail file "holds tensors the model does not have: %s" (extra |> List.map (sprintf "'%s'") |> String.concat ", ")
    let tensors =
        leaves |> List.map (fun (name, t) ->
            let e = byName.[name]
            if e.Shape <> t.Dims then fail file "tensor '%s' has shape %s but the model needs %s" name (Shape.show e.Shape) (Shape.show t.Dims)
            Tensor.ofArray e.Shape (readFloats file stream dataStart e))
    { model with Params = ParamTree.withLeaves tensors model.Params }, metadata

/// The model with its parameters loaded from a safetensors file.
let load (path: string) (model: Model) : Model * Map<string, string> =
    if not (File.Exists path) then raise (FileNotFoundException(sprintf "safetensors file not found: %s" path, path))
    use fs = try File.OpenRead path with :? IOException | :? UnauthorizedAccessException as e -> raise (ModelFileException(path, "could not be read: " + e.Message, e))
    readInto path fs model
