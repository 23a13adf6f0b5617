/// `fuzz`: thousands of seeded mutants (FuncCnn.Core.Fuzz) through every reader: model files (raw,
/// with a valid checksum, and read from disk), PNG/JPEG/BMP images, safetensors, ONNX, Keras HDF5,
/// IDX, .npy and stroke files. Every mutant must load or fail with a FuncCnnException within the
/// engine's time and allocation caps; a failure prints the mutant's seed. Exit code 1 on any failure.
module FuncCnn.Bench.FuzzBench

open System
open System.IO
open System.Security.Cryptography
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Data
open FuncCnn.Core.Interop
open SkiaSharp

let private model () =
    let arch = Architecture.ofSpecs [ Conv2D(Layers.convSpec 2 3 Relu); MaxPool2D { PoolName = None; PoolSize = (2, 2); PoolStrides = (2, 2) }
                                      Flatten None; Dense(Layers.denseSpec 3 Softmax) ]
    Model.build (Rng.create 3L) [| 1; 8; 8 |] arch

let private rehash (b: byte[]) =
    if b.Length >= 44 then
        let copy = Array.copy b
        SHA256.HashData(ReadOnlySpan(copy, 0, copy.Length - 32)).CopyTo(copy, copy.Length - 32)
        copy
    else b

let private bmp () =
    let w, h = 12, 10
    let stride = (w * 3 + 3) / 4 * 4
    let b = Array.zeroCreate (54 + stride * h)
    let put32 (at: int) (v: int) = BitConverter.GetBytes(v).CopyTo(b, at)
    b.[0] <- byte 'B'; b.[1] <- byte 'M'
    put32 2 b.Length; put32 10 54; put32 14 40; put32 18 w; put32 22 h
    b.[26] <- 1uy; b.[28] <- 24uy; put32 34 (stride * h)
    for y in 0 .. h - 1 do
        for x in 0 .. w - 1 do
            let at = 54 + y * stride + x * 3
            b.[at] <- byte (x * 20); b.[at + 1] <- byte (y * 25); b.[at + 2] <- byte ((x + y) * 10)
    b

let private encoded (format: SKEncodedImageFormat) =
    use bitmap = new SKBitmap(12, 10)
    for y in 0 .. 9 do
        for x in 0 .. 11 do bitmap.SetPixel(x, y, SKColor(byte (x * 20), byte (y * 25), byte ((x + y) * 10)))
    use img = SKImage.FromBitmap bitmap
    use data = img.Encode(format, 90)
    data.ToArray()

let private idx (code: byte) (dims: int[]) (payload: byte[]) =
    [| yield! [| 0uy; 0uy; code; byte dims.Length |]
       for d in dims do yield! [| byte (d >>> 24); byte (d >>> 16); byte (d >>> 8); byte d |]
       yield! payload |]

let private npy (rows: int) (cols: int) (payload: byte[]) =
    let dict = sprintf "{'descr': '|u1', 'fortran_order': False, 'shape': (%d, %d), }" rows cols
    let unpadded = 10 + dict.Length + 1
    let header = Text.Encoding.ASCII.GetBytes(dict + String(' ', (64 - unpadded % 64) % 64) + "\n")
    Array.concat [ [| 0x93uy; byte 'N'; byte 'U'; byte 'M'; byte 'P'; byte 'Y'; 1uy; 0uy; byte header.Length; byte (header.Length >>> 8) |]; header; payload ]

/// The repository root (the folder above the binary that holds FuncCnn.sln), for fixtures.
let private repoRoot =
    let rec up (d: DirectoryInfo) =
        if isNull d then None
        elif File.Exists(Path.Combine(d.FullName, "FuncCnn.sln")) then Some d.FullName
        else up d.Parent
    up (DirectoryInfo AppContext.BaseDirectory)

/// (name, original, reader) for every reader; readers of paths get the mutant through a temp file.
let private targets (dir: string) =
    let onDisk (name: string) (read: string -> unit) =
        let path = Path.Combine(dir, name)
        fun (b: byte[]) -> File.WriteAllBytes(path, b); read path
    let m = model ()
    let saved = { Model = m; ClassNames = [| "a"; "b"; "c" |]; History = []; Metadata = Map [ "seed", "3" ] }
    let modelBytes = Serialization.toBytes saved
    let strokes =
        Text.Encoding.UTF8.GetBytes(String.Join("\n",
            [ """{"word":"cat","countrycode":"US","recognized":true,"drawing":[[[0,40,80,120],[10,0,30,60]],[[5,5],[200,255]]]}"""
              """[[[0,255],[128,128],[0,17]],[[20,30,40],[0,90,180],[20,40,60]]]""" ]))
    let pixels = Array.init (20 * 784) (fun i -> byte (i * 7))
    let fixtures =
        [ match repoRoot with
          | Some root ->
              let torch = Path.Combine(root, "tests", "fixtures", "onnx", "torch_cnn.onnx")
              if File.Exists torch then yield "ONNX (torch export)", File.ReadAllBytes torch, (fun (b: byte[]) -> Onnx.ofBytes "torch.onnx" b |> ignore)
              let h5 = Path.Combine(root, "..", "shared", "models", "keras", "mlp_model.h5")
              if File.Exists h5 then
                  yield "Keras h5", File.ReadAllBytes h5, (fun (b: byte[]) -> use s = new MemoryStream(b) in Keras.read "fuzz.h5" s |> ignore)
          | None -> () ]
    [ "model file", modelBytes, (fun (b: byte[]) -> Serialization.ofBytes "fuzz.fcnn" b |> ignore)
      "model file, checksum fixed", modelBytes, (fun b -> Serialization.ofBytes "fuzz.fcnn" (rehash b) |> ignore)
      "model file on disk", modelBytes, onDisk "fuzz.fcnn" (fun p -> Serialization.load p |> ignore) << rehash
      "PNG image", encoded SKEncodedImageFormat.Png, (fun b -> ImageFile.decode "fuzz.png" { ImageFile.defaults with Size = Some(8, 8) } b |> ignore)
      "JPEG image", encoded SKEncodedImageFormat.Jpeg, (fun b -> ImageFile.decode "fuzz.jpg" { ImageFile.defaults with Size = Some(8, 8) } b |> ignore)
      "BMP image", bmp (), (fun b -> ImageFile.decode "fuzz.bmp" { ImageFile.defaults with Size = Some(8, 8) } b |> ignore)
      "safetensors", Safetensors.toBytes (Map [ "format", "pt" ]) m.Params, (fun b -> use s = new MemoryStream(b) in Safetensors.readInto "fuzz.safetensors" s m |> ignore)
      "ONNX", Onnx.toBytes m, (fun b -> Onnx.ofBytes "fuzz.onnx" b |> ignore)
      "IDX images", idx 0x08uy [| 20; 28; 28 |] pixels, onDisk "images.idx" (fun p -> Idx.read p |> ignore)
      "IDX labels", idx 0x08uy [| 100 |] (Array.init 100 (fun i -> byte (i % 10))), onDisk "labels.idx" (fun p -> Idx.read p |> ignore)
      ".npy", npy 20 784 pixels, onDisk "cloud.npy" (fun p -> Npy.readBytes p |> ignore)
      "strokes", strokes, onDisk "drawings.ndjson" (fun p -> QuickDraw.loadStrokes [ p ] |> ignore) ]
    @ fixtures

/// Runs `cases` mutants per reader from seed `seed`; prints a line per reader (and per failure)
/// and a JSON summary line. Returns the exit code.
let run (cases: int) (seed: int) (only: string option) =
    let dir = Directory.CreateTempSubdirectory("funccnn-fuzz-").FullName
    try
        let reports =
            [ for name, original, read in targets dir do
                if only |> Option.forall (fun o -> name.Contains(o, StringComparison.OrdinalIgnoreCase)) then
                    let r = Fuzz.run name seed cases original read
                    printfn "%s" (Fuzz.describe r)
                    yield r ]
        let failures = reports |> List.sumBy (fun r -> r.Failures.Length)
        let total = reports |> List.sumBy (fun r -> r.Cases)
        printfn "{\"bench\":\"fuzz\",\"readers\":%d,\"mutants\":%d,\"failures\":%d,\"seconds\":%.1f,\"slowest_case_s\":%.3f,\"max_allocated_kb\":%d}"
            reports.Length total failures (reports |> List.sumBy (fun r -> r.Seconds))
            (reports |> List.map (fun r -> r.SlowestSeconds) |> List.fold max 0.0)
            ((reports |> List.map (fun r -> r.MaxAllocatedBytes) |> List.fold max 0L) / 1024L)
        if failures > 0 then 1 else 0
    finally
        try Directory.Delete(dir, true) with _ -> ()
