/// Truncations and random byte flips of real files, fed to every reader: each case must load or
/// fail with the library's own exception type, within a time limit. Deterministic seeds; mutated
/// copies live in a temp folder, never in the data folders.
module FuncCnn.Core.Tests.DataFuzzTests

open System
open System.IO
open System.Threading.Tasks
open Expecto
open FuncCnn.Core.Tests.TestUtil
open FuncCnn
open FuncCnn.Core
open FuncCnn.Core.Data
open FuncCnn.Core.Tests.DataTestUtil

type Outcome =
    | Loaded
    | Rejected

/// Runs one case: Loaded, Rejected (a FuncCnnException), or a test failure naming the case.
let runCase (label: string) (read: unit -> unit) =
    let task =
        Task.Run(fun () ->
            try read (); Ok Loaded
            with
            | :? FuncCnnException -> Ok Rejected
            | e -> Error e)
    if not (task.Wait(TimeSpan.FromSeconds 10.0)) then failwithf "%s: the reader hung (no answer in 10 s)" label
    match task.Result with
    | Ok outcome -> outcome
    | Error e -> failwithf "%s: raised %s instead of a FuncCnnException: %s" label (e.GetType().Name) e.Message

/// Mutations of a file's bytes: truncations (a third of them inside the first 64 bytes, where
/// the headers are) and 1-4 random byte flips (half of them aimed at the first 64 bytes).
let mutations (seed: int) (cases: int) (original: byte[]) =
    let rnd = Random(seed)
    [ for k in 0 .. cases - 1 do
        if k % 2 = 0 then
            let cut = if k % 6 = 0 then rnd.Next(min 64 original.Length) else rnd.Next(original.Length)
            yield sprintf "truncated to %d bytes" cut, original.[.. cut - 1]
        else
            let copy = Array.copy original
            let flips = 1 + rnd.Next 4
            let at =
                [ for _ in 1 .. flips ->
                    let p = if rnd.Next 2 = 0 then rnd.Next(min 64 copy.Length) else rnd.Next copy.Length
                    copy.[p] <- copy.[p] ^^^ byte (1 + rnd.Next 255)
                    p ]
            yield sprintf "bytes flipped at %A" at, copy ]

/// Fuzzes one reader over mutations of one file; returns (loaded, rejected).
let fuzz (dir: string) (name: string) (seed: int) (cases: int) (original: byte[]) (read: string -> unit) =
    let outcomes =
        mutations seed cases original
        |> List.mapi (fun k (what, bytes) ->
            let path = write dir name bytes
            runCase (sprintf "%s case %d (%s)" name k what) (fun () -> read path))
    let loaded = outcomes |> List.filter ((=) Loaded) |> List.length
    printfn "fuzz %s: %d loaded, %d rejected" name loaded (cases - loaded)
    Expect.isTrue (loaded < cases) (sprintf "%s: every mutation loaded, the fuzz proves nothing" name)
    loaded, cases - loaded

[<Tests>]
let tests =
    testList "DataFuzz" [
        testCase "IDX reader: truncated and flipped MNIST files, gzip and plain" <| fun () ->
            use temp = new TempDir("fuzz-idx")
            let dir = temp.Path
            Expect.isFalse (dir.StartsWith(TestUtil.sharedDir)) "dir.StartsWith(TestUtil.sharedDir)"
            let labelsGz = File.ReadAllBytes(Path.Combine(mnistDir, "t10k-labels-idx1-ubyte.gz"))
            let imagesGz = File.ReadAllBytes(Path.Combine(mnistDir, "t10k-images-idx3-ubyte.gz"))
            let read f = Idx.read f |> ignore
            fuzz dir "labels.gz" 1 200 labelsGz read |> ignore
            fuzz dir "labels.idx" 2 200 (gunzip labelsGz) read |> ignore
            fuzz dir "images.gz" 3 24 imagesGz read |> ignore
            // the first 300 real test images as a plain IDX file
            let images = gunzip imagesGz
            let small = Array.append (idx 0x08uy [| 300; 28; 28 |] [||]) images.[16 .. 16 + 300 * 784 - 1]
            fuzz dir "images.idx" 4 200 small read |> ignore

        testCase "MNIST folder loader: one of the four files mutated" <| fun () ->
            use temp = new TempDir("fuzz-mnist")
            let dir = temp.Path
            let images = gunzip (File.ReadAllBytes(Path.Combine(mnistDir, "t10k-images-idx3-ubyte.gz")))
            let labels = gunzip (File.ReadAllBytes(Path.Combine(mnistDir, "t10k-labels-idx1-ubyte.gz")))
            let imgs = Array.append (idx 0x08uy [| 100; 28; 28 |] [||]) images.[16 .. 16 + 100 * 784 - 1]
            let labs = Array.append (idx 0x08uy [| 100 |] [||]) labels.[8 .. 8 + 99]
            let files = [ "train-images-idx3-ubyte", imgs; "train-labels-idx1-ubyte", labs; "t10k-images-idx3-ubyte", imgs; "t10k-labels-idx1-ubyte", gzip labs ]
            files |> List.iteri (fun k (name, bytes) ->
                for n, b in files do write dir n b |> ignore
                fuzz dir name (10 + k) 60 bytes (fun _ -> Mnist.loadFolder dir |> ignore) |> ignore)

        testCase "npy reader and QuickDraw folder loader: truncated and flipped real .npy files" <| fun () ->
            use temp = new TempDir("fuzz-npy")
            let dir = temp.Path
            let cloud = File.ReadAllBytes(Path.Combine(quickdrawDir, "cloud.npy"))
            fuzz dir "cloud.npy" 20 40 cloud (fun f -> Npy.readBytes f |> ignore) |> ignore
            // the real header re-written for the first 200 drawings, so more cases fit the time
            let h = Npy.readHeader (Path.Combine(quickdrawDir, "cloud.npy"))
            let small = npy 200 784 cloud.[h.DataOffset .. h.DataOffset + 200 * 784 - 1]
            let folder = Directory.CreateDirectory(Path.Combine(dir, "folder")).FullName
            fuzz folder "cloud.npy" 21 300 small (fun _ -> QuickDraw.loadFolder folder None |> ignore) |> ignore

        testCase "stroke reader: truncated and flipped stroke files" <| fun () ->
            use temp = new TempDir("fuzz-strokes")
            let dir = temp.Path
            let lines =
                [ """{"word":"cat","countrycode":"US","recognized":true,"drawing":[[[0,40,80,120],[10,0,30,60]],[[5,5],[200,255]]]}"""
                  """[[[0,255],[128,128],[0,17]],[[20,30,40],[0,90,180],[20,40,60]]]"""
                  """{"word":"dog","drawing":[[[3],[4]]]}""" ]
            let bytes = Text.Encoding.UTF8.GetBytes(String.Join("\n", lines))
            fuzz dir "drawings.ndjson" 30 300 bytes (fun f -> QuickDraw.loadStrokes [ f ] |> ignore) |> ignore
    ]
