/// Image files as model input: PNG, JPEG and BMP (grey or colour) decoded with SkiaSharp into a CHW
/// float image in [0,1], optionally converted to grey, resized and inverted.
module FuncCnn.Core.Data.ImageFile

open System
open System.IO
open FuncCnn
open SkiaSharp

/// How to turn a file into a model's input.
type ImageOptions =
    { /// Some true: one grey channel (ITU-R 601 luma); Some false: three colour channels (RGB);
      /// None: grey for grey files, RGB otherwise.
      Grey: bool option
      /// Resize to (height, width) when the file's size differs (high-quality filtering).
      Size: (int * int) option
      /// 1 - value: a black digit on white paper becomes MNIST's white digit on black.
      Invert: bool }

/// A decoded image: Pixels holds Channels x Height x Width floats in [0,1], row-major (CHW).
type Image = { Channels: int; Height: int; Width: int; Pixels: float32[] }

let defaults = { Grey = None; Size = None; Invert = false }

/// The largest image decoded, in pixels (a 16k x 16k photograph); larger files are refused before
/// any pixel memory is allocated.
let MaxPixels = 16384L * 16384L

let private fail file fmt = Printf.ksprintf (fun s -> raise (DataFormatException(file, s))) fmt

let private supported = set [ SKEncodedImageFormat.Png; SKEncodedImageFormat.Jpeg; SKEncodedImageFormat.Bmp ]

/// True when the bytes start like a PNG, JPEG or BMP file.
let looksLikeImage (head: ReadOnlySpan<byte>) =
    (head.Length >= 8 && head.[0] = 0x89uy && head.[1] = 0x50uy && head.[2] = 0x4Euy && head.[3] = 0x47uy)
    || (head.Length >= 3 && head.[0] = 0xFFuy && head.[1] = 0xD8uy && head.[2] = 0xFFuy)
    || (head.Length >= 2 && head.[0] = 0x42uy && head.[1] = 0x4Duy)

/// Decodes image bytes; `file` names the source in errors.
let decode (file: string) (options: ImageOptions) (bytes: byte[]) : Image =
    match options.Size with
    | Some(h, w) when h < 1 || w < 1 || int64 h * int64 w > MaxPixels -> fail file "cannot resize to %dx%d" w h
    | _ -> ()
    use data = SKData.CreateCopy bytes
    use codec =
        match SKCodec.Create data with
        | null -> fail file "is not a PNG, JPEG or BMP image, or it is corrupt (%d bytes)" bytes.Length
        | c -> c
    if not (supported.Contains codec.EncodedFormat) then
        fail file "is a %A image; only PNG, JPEG and BMP are supported" codec.EncodedFormat
    let info = codec.Info
    if info.Width < 1 || info.Height < 1 || int64 info.Width * int64 info.Height > MaxPixels then
        fail file "declares a %dx%d image, outside 1 to %d pixels" info.Width info.Height MaxPixels
    let grey = defaultArg options.Grey (info.ColorType = SKColorType.Gray8)
    let target = SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul)
    use decoded = new SKBitmap(target)
    match codec.GetPixels(target, decoded.GetPixels()) with
    | SKCodecResult.Success -> ()
    | SKCodecResult.IncompleteInput -> fail file "is truncated: the image data ends early"
    | r -> fail file "could not be decoded (%A)" r
    let height, width = defaultArg options.Size (info.Height, info.Width)
    use resized =
        if (height, width) = (info.Height, info.Width) then decoded.Copy()
        else
            match decoded.Resize(SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul), SKFilterQuality.High) with
            | null -> fail file "could not be resized to %dx%d" width height
            | b -> b
    let rgba = resized.Bytes
    let channels = if grey then 1 else 3
    let plane = height * width
    let pixels = Array.zeroCreate (channels * plane)
    for i in 0 .. plane - 1 do
        // composite over white, so a drawing on a transparent background reads as on paper
        let a = float32 rgba.[i * 4 + 3] / 255.0f
        let channel k = (float32 rgba.[i * 4 + k] / 255.0f) * a + (1.0f - a)
        let r, g, b = channel 0, channel 1, channel 2
        let put c (v: float32) = pixels.[c * plane + i] <- (if options.Invert then 1.0f - v else v)
        if grey then put 0 (0.299f * r + 0.587f * g + 0.114f * b)
        else
            put 0 r
            put 1 g
            put 2 b
    { Channels = channels; Height = height; Width = width; Pixels = pixels }

/// The largest image file read, in bytes.
let MaxFileBytes = 512L * 1024L * 1024L

/// Reads a PNG, JPEG or BMP file as a CHW image in [0,1]. The first bytes are checked before the
/// rest is read, and never more than MaxFileBytes are read (a device such as /dev/zero, whose
/// length is unknown, fails fast instead of filling memory).
let read (path: string) (options: ImageOptions) : Image =
    if not (File.Exists path) then raise (FileNotFoundException(sprintf "image file not found: %s" path, path))
    let bytes =
        try
            use fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 <<< 16)
            if fs.CanSeek && fs.Length > MaxFileBytes then fail path "is %d bytes, too large for an image file" fs.Length
            let head = Array.zeroCreate 16
            let n = fs.ReadAtLeast(Span head, head.Length, false)
            if not (looksLikeImage (ReadOnlySpan(head, 0, n))) then
                let shown = head.[.. n - 1] |> Array.map (sprintf "%02x") |> String.concat " "
                fail path "is not a PNG, JPEG or BMP image (it starts with bytes %s)" (if n = 0 then "(none: the file is empty)" else shown)
            use ms = new MemoryStream()
            ms.Write(head, 0, n)
            let buf = Array.zeroCreate (1 <<< 16)
            let mutable k = fs.Read(buf, 0, buf.Length)
            while k > 0 do
                if ms.Length + int64 k > MaxFileBytes then fail path "is more than %d bytes, too large for an image file" MaxFileBytes
                ms.Write(buf, 0, k)
                k <- fs.Read(buf, 0, buf.Length)
            ms.ToArray()
        with :? IOException | :? UnauthorizedAccessException as e -> raise (DataFormatException(path, "could not be read: " + e.Message, e))
    decode path options bytes
