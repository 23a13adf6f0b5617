namespace FuncCnn.Core.Data

open FuncCnn

open FuncCnn.Core
open System
open System.Buffers.Binary
/// The typed contents of an IDX file (all element types the format defines; big-endian on disk).
type IdxData =
    /// 0x08 unsigned byte
    | UBytes of byte[]
    /// 0x09 signed byte
    | SBytes of sbyte[]
    /// 0x0B 16-bit integer
    | Int16s of int16[]
    /// 0x0C 32-bit integer
    | Int32s of int[]
    /// 0x0D 32-bit float
    | Float32s of float32[]
    /// 0x0E 64-bit float
    | Float64s of float[]

/// An IDX array: its dimensions (outermost first) and its elements, row-major.
type IdxArray = { Dims: int[]; Data: IdxData }

/// Reads IDX files (MNIST, Fashion-MNIST), gzip-compressed or plain: magic 00 00 <type> <rank>,
/// then rank big-endian int32 dimensions, then the elements, and nothing after them.
module Idx =
    /// Name and element size of an IDX type code, or None for a code the format does not define.
    let elementType (code: byte) =
        match code with
        | 0x08uy -> Some("unsigned byte", 1)
        | 0x09uy -> Some("signed byte", 1)
        | 0x0Buy -> Some("int16", 2)
        | 0x0Cuy -> Some("int32", 4)
        | 0x0Duy -> Some("float32", 4)
        | 0x0Euy -> Some("float64", 8)
        | _ -> None

    /// Largest rank accepted (the format allows up to 255; no real file comes near this).
    let private maxRank = 16

    let private decode (code: byte) (raw: byte[]) : IdxData =
        match code with
        | 0x08uy -> UBytes raw
        | 0x09uy -> SBytes(Array.init raw.Length (fun i -> sbyte raw.[i]))
        | 0x0Buy -> Int16s(Array.init (raw.Length / 2) (fun i -> BinaryPrimitives.ReadInt16BigEndian(ReadOnlySpan(raw, 2 * i, 2))))
        | 0x0Cuy -> Int32s(Array.init (raw.Length / 4) (fun i -> BinaryPrimitives.ReadInt32BigEndian(ReadOnlySpan(raw, 4 * i, 4))))
        | 0x0Duy -> Float32s(Array.init (raw.Length / 4) (fun i -> BinaryPrimitives.ReadSingleBigEndian(ReadOnlySpan(raw, 4 * i, 4))))
        | _ -> Float64s(Array.init (raw.Length / 8) (fun i -> BinaryPrimitives.ReadDoubleBigEndian(ReadOnlySpan(raw, 8 * i, 8))))

    /// Magic, element type and dimensions (only the header is read, never the data).
    let private readHeaderOf (src: DataFile.Source) (file: string) =
        let magic = DataFile.readHeader src 4 "IDX magic number"
        if magic.[0] <> 0uy || magic.[1] <> 0uy then
            Fail.data file "not an IDX file: the magic number must start with 00 00, found %02x %02x" magic.[0] magic.[1]
        let code = magic.[2]
        let elemName, elemSize =
            match elementType code with
            | Some t -> t
            | None -> Fail.data file "unknown IDX element type 0x%02x (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)" code
        let rank = int magic.[3]
        if rank < 1 || rank > maxRank then Fail.data file "IDX rank %d is not supported (expected 1..%d)" rank maxRank
        let dimBytes = DataFile.readHeader src (4 * rank) (sprintf "%d IDX dimensions" rank)
        let dims = Array.init rank (fun i -> BinaryPrimitives.ReadInt32BigEndian(ReadOnlySpan(dimBytes, 4 * i, 4)))
        dims |> Array.iteri (fun i d -> if d < 0 then Fail.data file "IDX dimension %d is negative (%d)" i d)
        code, elemName, elemSize, rank, dims

    /// The element type code and dimensions of an IDX file, reading only its header (a few
    /// bytes, even of a .gz): paired files are compared with this before any data is inflated.
    let readHeader (file: string) : byte * int[] =
        use src = DataFile.openRead file
        let code, _, _, _, dims = readHeaderOf src file
        code, dims

    /// Reads one IDX file (plain or .gz). Rejects, naming the file and what was expected vs
    /// found: a wrong magic number, an unknown element type, a truncated file and trailing bytes.
    let read (file: string) : IdxArray =
        use src = DataFile.openRead file
        let code, elemName, elemSize, rank, dims = readHeaderOf src file
        let headerSize = 4L + 4L * int64 rank
        let bytes = DataFile.byteCount dims elemSize
        let what = sprintf "%s data for dimensions %s" elemName (Shape.show dims)
        let raw = DataFile.readPayload src headerSize bytes what
        DataFile.ensureEnd src (headerSize + bytes)
        { Dims = dims; Data = decode code raw }

    /// Reads an IDX file that must hold unsigned bytes of the given rank (images: 3, labels: 1).
    let internal readUBytes (file: string) (rank: int) =
        let a = read file
        match a.Data with
        | UBytes b when a.Dims.Length = rank -> a.Dims, b
        | UBytes _ -> Fail.data file "expected an IDX array of rank %d, found dimensions %s" rank (Shape.show a.Dims)
        | other ->
            let found = match other with SBytes _ -> "signed byte" | Int16s _ -> "int16" | Int32s _ -> "int32" | Float32s _ -> "float32" | _ -> "float64"
            Fail.data file "expected IDX element type 0x08 (unsigned byte), found %s" found
