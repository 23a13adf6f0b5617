/// The originals the fuzz mutates and the reader each goes through: one list for the suite's fuzz
/// tests (a few dozen mutants each) and `bench fuzz` (thousands). Compiled into both projects.
module FuncCnn.Core.FuzzCorpus

open System
open System.IO
open System.Security.Cryptography
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Data
open FuncCnn.Core.Interop
open SkiaSharp

/// A reader under fuzz: its name, the real bytes mutants start from, and what reads one mutant.
type Target = { Name: string; Original: byte[]; Read: byte[] -> unit }

/// A small model with every kind of parameter the model file, ONNX and safetensors carry.
let model () =
    let arch = Architecture.ofSpecs [ Conv2D(Layers.convSpec 2 3 Relu); MaxPool2D { PoolName = None; PoolSize = (2, 2); PoolStrides = (2, 2) }
                                      Flatten None; Dense(Layers.denseSpec 3 Softmax) ]
    Model.build (Rng.create 3L) [| 1; 8; 8 |] arch

let saved () =
    { Model = model (); ClassNames = [| "a"; "b"; "c" |]; History = []; Metadata = Map [ "seed", "3" ] }

/// The mutant with a valid checksum again, so the fuzz reaches the manifest and the blobs.
let rehash (b: byte[]) =
    if b.Length >= 44 then
        let copy = Array.copy b
        SHA256.HashData(ReadOnlySpan(copy, 0, copy.Length - 32)).CopyTo(copy, copy.Length - 32)
        copy
    else b

/// A 12x10 24-bit BMP, written by hand (SkiaSharp does not encode BMP).
let bmp () =
    let w, h = 12, 10
    let stride = (w * 3 + 3) / 4 * 4
    let pixels = stride * h
    let b = Array.zeroCreate (54 + pixels)
    let put32 (at: int) (v: int) = BitConverter.GetBytes(v).CopyTo(b, at)
    b.[0] <- byte 'B'; b.[1] <- byte 'M'
    put32 2 b.Length; put32 10 54; put32 14 40; put32 18 w; put32 22 h
    b.[26] <- 1uy; b.[28] <- 24uy; put32 34 pixels
    for y in 0 .. h - 1 do
        for x in 0 .. w - 1 do
            let at = 54 + y * stride + x * 3
            b.[at] <- byte (x * 20); b.[at + 1] <- byte (y * 25); b.[at + 2] <- byte ((x + y) * 10)
    b

/// A 12x10 colour image in the given format (BMP written by hand).
let image (format: SKEncodedImageFormat) =
    if format = SKEncodedImageFormat.Bmp then bmp () else
    use bitmap = new SKBitmap(12, 10)
    for y in 0 .. 9 do
        for x in 0 .. 11 do bitmap.SetPixel(x, y, SKColor(byte (x * 20), byte (y * 25), byte ((x + y) * 10)))
    use img = SKImage.FromBitmap bitmap
    use data = img.Encode(format, 90)
    data.ToArray()

/// An IDX file: type code, dimensions (big-endian) and payload.
let idx (code: byte) (dims: int[]) (payload: byte[]) =
    [| yield! [| 0uy; 0uy; code; byte dims.Length |]
       for d in dims do yield! [| byte (d >>> 24); byte (d >>> 16); byte (d >>> 8); byte d |]
       yield! payload |]

/// A version-1 .npy file of (rows, cols) unsigned bytes, header padded to 64 bytes.
let npy (rows: int) (cols: int) (payload: byte[]) =
    let dict = sprintf "{'descr': '|u1', 'fortran_order': False, 'shape': (%d, %d), }" rows cols
    let unpadded = 10 + dict.Length + 1
    let header = Text.Encoding.ASCII.GetBytes(dict + String(' ', (64 - unpadded % 64) % 64) + "\n")
    Array.concat [ [| 0x93uy; byte 'N'; byte 'U'; byte 'M'; byte 'P'; byte 'Y'; 1uy; 0uy; byte header.Length; byte (header.Length >>> 8) |]; header; payload ]

/// Two drawings in QuickDraw's stroke formats (the full record and the bare stroke array).
let strokes () =
    Text.Encoding.UTF8.GetBytes(String.Join("\n",
        [ """{"word":"cat","countrycode":"US","recognized":true,"drawing":[[[0,40,80,120],[10,0,30,60]],[[5,5],[200,255]]]}"""
          """[[[0,255],[128,128],[0,17]],[[20,30,40],[0,90,180],[20,40,60]]]""" ]))

/// Every reader the fuzz covers. Readers of paths get each mutant through a file in `dir`; the
/// torch ONNX export and the notebook's Keras file join when their paths exist.
let targets (dir: string) (torchOnnx: string option) (kerasH5: string option) : Target list =
    let onDisk (name: string) (read: string -> unit) =
        let path = Path.Combine(dir, name)
        fun (b: byte[]) -> File.WriteAllBytes(path, b); read path
    let target name original read = { Name = name; Original = original; Read = read }
    let m = model ()
    let modelBytes = Serialization.toBytes (saved ())
    let pixels = Array.init (20 * 784) (fun i -> byte (i * 7))
    let decode name = fun (b: byte[]) -> ImageFile.decode name { ImageFile.defaults with Size = Some(8, 8) } b |> ignore
    [ yield target "model file" modelBytes (fun b -> Serialization.ofBytes "fuzz.fcnn" b |> ignore)
      yield target "model file, checksum fixed" modelBytes (fun b -> Serialization.ofBytes "fuzz.fcnn" (rehash b) |> ignore)
      yield target "model file on disk" modelBytes (onDisk "fuzz.fcnn" (fun p -> Serialization.load p |> ignore) << rehash)
      yield target "PNG image" (image SKEncodedImageFormat.Png) (decode "fuzz.png")
      yield target "JPEG image" (image SKEncodedImageFormat.Jpeg) (decode "fuzz.jpg")
      yield target "BMP image" (bmp ()) (decode "fuzz.bmp")
      yield target "safetensors" (Safetensors.toBytes (Map [ "format", "pt" ]) m.Params) (fun b ->
          use s = new MemoryStream(b)
          Safetensors.readInto "fuzz.safetensors" s m |> ignore)
      yield target "ONNX" (Onnx.toBytes m) (fun b -> Onnx.ofBytes "fuzz.onnx" b |> ignore)
      yield target "IDX images" (idx 0x08uy [| 20; 28; 28 |] pixels) (onDisk "images.idx" (fun p -> Idx.read p |> ignore))
      yield target "IDX labels" (idx 0x08uy [| 100 |] (Array.init 100 (fun i -> byte (i % 10)))) (onDisk "labels.idx" (fun p -> Idx.read p |> ignore))
      yield target ".npy" (npy 20 784 pixels) (onDisk "cloud.npy" (fun p -> Npy.readBytes p |> ignore))
      yield target "strokes" (strokes ()) (onDisk "drawings.ndjson" (fun p -> QuickDraw.loadStrokes [ p ] |> ignore))
      match torchOnnx with
      | Some path when File.Exists path -> yield target "ONNX (torch export)" (File.ReadAllBytes path) (fun b -> Onnx.ofBytes "torch.onnx" b |> ignore)
      | _ -> ()
      match kerasH5 with
      | Some path when File.Exists path ->
          yield target "Keras h5" (File.ReadAllBytes path) (fun b ->
              use s = new MemoryStream(b)
              Keras.read "fuzz.h5" s |> ignore)
      | _ -> () ]
