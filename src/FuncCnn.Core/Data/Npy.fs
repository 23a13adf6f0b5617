namespace FuncCnn.Core.Data

open FuncCnn

open FuncCnn.Core
open System
open System.Buffers.Binary
open System.Text
/// The header of a NumPy .npy file.
type NpyHeader =
    { /// Format version (major, minor): 1.0, 2.0 or 3.0.
      Version: int * int
      /// The dtype descriptor, e.g. "|u1".
      Descr: string
      /// True for Fortran (column-major) order.
      FortranOrder: bool
      /// The array's shape.
      Shape: int[]
      /// Where the data starts (magic + lengths + header text).
      DataOffset: int }

/// Reads NumPy .npy files (format versions 1, 2 and 3): the header dictionary is parsed as the
/// Python literal it is, and only uint8 C-order arrays are loaded (Google's numpy_bitmap files).
module Npy =
    /// The header dict: {'descr': '<str>', 'fortran_order': True|False, 'shape': (ints,)}.
    type private Value =
        | Str of string
        | Bool of bool
        | Ints of int64 list

    /// About `limit` characters (escapes included) of untrusted text for an error message, with control and
    /// non-ASCII characters escaped (\n, \x00, \u1234) and the length said when it was cut.
    let excerpt (limit: int) (text: string) =
        let sb = StringBuilder()
        let mutable i = 0
        while i < text.Length && sb.Length < limit do
            match text.[i] with
            | '\n' -> sb.Append "\\n" |> ignore
            | '\r' -> sb.Append "\\r" |> ignore
            | '\t' -> sb.Append "\\t" |> ignore
            | '\\' -> sb.Append "\\\\" |> ignore
            | c when c < ' ' || c = '\127' -> sb.AppendFormat("\\x{0:x2}", int c) |> ignore
            | c when c > '\127' -> sb.AppendFormat("\\u{0:x4}", int c) |> ignore
            | c -> sb.Append c |> ignore
            i <- i + 1
        if i < text.Length then sb.AppendFormat("... ({0} characters in all)", text.Length) |> ignore
        sb.ToString()

    /// Parses the header text (a Python dict literal) into its three fields.
    let parseHeaderText (file: string) (text: string) : string * bool * int[] =
        let bad fmt = Printf.ksprintf (fun s -> raise (DataFormatException(file, "malformed .npy header: " + s + sprintf " (header: %s)" (excerpt 80 (text.Trim()))))) fmt
        let n = text.Length
        let mutable pos = 0
        let skipWs () = while pos < n && Char.IsWhiteSpace text.[pos] do pos <- pos + 1
        let expect (c: char) =
            skipWs ()
            if pos >= n || text.[pos] <> c then bad "expected '%c' at offset %d" c pos
            pos <- pos + 1
        let peek () = skipWs (); if pos < n then text.[pos] else '\000'
        let str () =
            skipWs ()
            if pos >= n || (text.[pos] <> '\'' && text.[pos] <> '"') then bad "expected a quoted string at offset %d" pos
            let q = text.[pos]
            let start = pos + 1
            let close = text.IndexOf(q, start)
            if close < 0 then bad "unterminated string at offset %d" pos
            pos <- close + 1
            text.Substring(start, close - start)
        let integer () =
            skipWs ()
            let start = pos
            while pos < n && Char.IsAsciiDigit text.[pos] do pos <- pos + 1
            if pos = start then bad "expected a non-negative integer at offset %d" start
            match Int64.TryParse(text.AsSpan(start, pos - start)) with
            | true, v when v <= int64 Int32.MaxValue -> v
            | _ -> bad "dimension %s is too large" (excerpt 24 (text.Substring(start, pos - start)))
        let value () =
            match peek () with
            | '\'' | '"' -> Str(str ())
            | '(' ->
                pos <- pos + 1
                let items = ResizeArray<int64>()
                let mutable fin = false
                while not fin do
                    match peek () with
                    | ')' -> pos <- pos + 1; fin <- true
                    | _ ->
                        items.Add(integer ())
                        match peek () with
                        | ',' -> pos <- pos + 1
                        | ')' -> ()
                        | c -> bad "expected ',' or ')' in the shape, found '%s' at offset %d" (excerpt 1 (string c)) pos
                Ints(List.ofSeq items)
            | _ ->
                if String.CompareOrdinal(text, pos, "True", 0, 4) = 0 then pos <- pos + 4; Bool true
                elif String.CompareOrdinal(text, pos, "False", 0, 5) = 0 then pos <- pos + 5; Bool false
                else bad "expected a string, True, False or a tuple at offset %d" pos
        expect '{'
        let fields = Collections.Generic.Dictionary<string, Value>()
        let mutable fin = false
        while not fin do
            match peek () with
            | '}' -> pos <- pos + 1; fin <- true
            | _ ->
                let key = str ()
                expect ':'
                if fields.ContainsKey key then bad "key '%s' appears twice" (excerpt 24 key)
                fields.[key] <- value ()
                match peek () with
                | ',' -> pos <- pos + 1
                | '}' -> ()
                | c -> bad "expected ',' or '}' after the value of '%s', found '%s'" (excerpt 24 key) (excerpt 1 (string c))
        skipWs ()
        if pos < n then bad "unexpected text after the dict at offset %d" pos
        let keys = fields.Keys |> Seq.sort |> List.ofSeq
        if keys <> [ "descr"; "fortran_order"; "shape" ] then
            bad "expected exactly the keys descr, fortran_order, shape; found %s" (excerpt 80 (String.Join(", ", keys)))
        let descr = match fields.["descr"] with Str s -> s | _ -> bad "descr must be a string"
        let fortran = match fields.["fortran_order"] with Bool b -> b | _ -> bad "fortran_order must be True or False"
        let shape = match fields.["shape"] with Ints l -> l |> List.map int |> Array.ofList | _ -> bad "shape must be a tuple of integers"
        descr, fortran, shape

    let private magic = [| 0x93uy; byte 'N'; byte 'U'; byte 'M'; byte 'P'; byte 'Y' |]

    let private readHeaderFrom (src: DataFile.Source) =
        let file = src.File
        let pre = DataFile.readHeader src 8 ".npy magic and version"
        if pre.[0..5] <> magic then
            Fail.data file "not a .npy file: expected the magic \\x93NUMPY, found %s" (BitConverter.ToString(pre, 0, 6))
        let major, minor = int pre.[6], int pre.[7]
        let lenBytes =
            match major with
            | 1 -> 2
            | 2 | 3 -> 4
            | _ -> Fail.data file "unsupported .npy format version %d.%d (expected 1.0, 2.0 or 3.0)" major minor
        let lb = DataFile.readHeader src lenBytes ".npy header length"
        let hlen =
            if lenBytes = 2 then int (BinaryPrimitives.ReadUInt16LittleEndian(ReadOnlySpan lb))
            else int64 (BinaryPrimitives.ReadUInt32LittleEndian(ReadOnlySpan lb)) |> fun v -> if v > 1_000_000L then Fail.data file "malformed .npy header: header length %d is implausible (over 1 MB)" v else int v
        match src.Length with
        | Some len when int64 (8 + lenBytes + hlen) > len ->
            Fail.data file "truncated: the .npy header is %d bytes, the file has only %d after the preamble" hlen (len - int64 (8 + lenBytes))
        | _ -> ()
        let hb = DataFile.readHeader src hlen ".npy header"
        let text =
            try (if major = 3 then UTF8Encoding(false, true) :> Encoding else Encoding.Latin1).GetString hb
            with :? DecoderFallbackException -> Fail.data file "malformed .npy header: not valid UTF-8"
        let descr, fortran, shape = parseHeaderText file text
        { Version = (major, minor); Descr = descr; FortranOrder = fortran; Shape = shape; DataOffset = 8 + lenBytes + hlen }

    /// Reads and parses only the header of a .npy file (cheap: a few hundred bytes).
    let readHeader (file: string) : NpyHeader =
        use src = DataFile.openRead file
        readHeaderFrom src

    let private uint8Descrs = set [ "|u1"; "<u1"; ">u1"; "=u1"; "u1"; "B" ]

    /// Reads a uint8 C-order array: its shape and bytes. Rejects another dtype, Fortran order,
    /// a malformed header, a truncated file and trailing bytes, naming the file.
    let readBytes (file: string) : int[] * byte[] =
        use src = DataFile.openRead file
        let h = readHeaderFrom src
        if not (uint8Descrs.Contains h.Descr) then Fail.data file "unsupported dtype '%s' (expected '|u1', uint8)" (excerpt 24 h.Descr)
        if h.FortranOrder then Fail.data file "Fortran order is not supported (expected fortran_order False, C order)"
        let count = DataFile.byteCount h.Shape 1
        let data = DataFile.readPayload src (int64 h.DataOffset) count (sprintf "uint8 data for shape %s" (Shape.show h.Shape))
        DataFile.ensureEnd src (int64 h.DataOffset + count)
        h.Shape, data
