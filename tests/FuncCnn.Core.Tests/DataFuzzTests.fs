/// Mutants of real files (the core's seeded engine: flips, truncations, insertions, extreme header
/// integers and numbers), fed to every data reader: each case must load or fail with the library's
/// own exception type, within a time and an allocation cap. Deterministic seeds; mutated copies
/// live in a temp folder, never in the data folders.
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

/// Fuzzes one reader over mutants of one file with the core's seeded engine (FuncCnn.Core.Fuzz):
/// each mutant is written to `name` in `dir` and read; every one must load or fail with a
/// FuncCnnException within the engine's time and allocation caps. Returns (loaded, rejected).
let fuzz (dir: string) (name: string) (seed: int) (cases: int) (original: byte[]) (read: string -> unit) =
    let path = Path.Combine(dir, name)
    let r = Fuzz.run name (seed * 1000) cases original (fun b -> File.WriteAllBytes(path, b); read path)
    printfn "%s" (Fuzz.describe r)
    if not r.Failures.IsEmpty then failtest (Fuzz.describe r)
    Expect.isTrue (r.Accepted < cases) (sprintf "%s: every mutation loaded, the fuzz proves nothing" name)
    r.Accepted, r.Rejected

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
            fuzz dir "labels.gz" 1 100 labelsGz read |> ignore
            fuzz dir "labels.idx" 2 100 (gunzip labelsGz) read |> ignore
            fuzz dir "images.gz" 3 16 imagesGz read |> ignore
            // the first 300 real test images as a plain IDX file
            let images = gunzip imagesGz
            let small = Array.append (idx 0x08uy [| 300; 28; 28 |] [||]) images.[16 .. 16 + 300 * 784 - 1]
            fuzz dir "images.idx" 4 100 small read |> ignore

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
                fuzz dir name (10 + k) 40 bytes (fun _ -> Mnist.loadFolder dir |> ignore) |> ignore)

        testCase "npy reader and QuickDraw folder loader: truncated and flipped real .npy files" <| fun () ->
            use temp = new TempDir("fuzz-npy")
            let dir = temp.Path
            let cloud = File.ReadAllBytes(Path.Combine(quickdrawDir, "cloud.npy"))
            fuzz dir "cloud.npy" 20 40 cloud (fun f -> Npy.readBytes f |> ignore) |> ignore
            // the real header re-written for the first 200 drawings, so more cases fit the time
            let h = Npy.readHeader (Path.Combine(quickdrawDir, "cloud.npy"))
            let small = npy 200 784 cloud.[h.DataOffset .. h.DataOffset + 200 * 784 - 1]
            let folder = Directory.CreateDirectory(Path.Combine(dir, "folder")).FullName
            fuzz folder "cloud.npy" 21 150 small (fun _ -> QuickDraw.loadFolder folder None |> ignore) |> ignore

        testCase "stroke reader: truncated and flipped stroke files" <| fun () ->
            use temp = new TempDir("fuzz-strokes")
            let dir = temp.Path
            let lines =
                [ """{"word":"cat","countrycode":"US","recognized":true,"drawing":[[[0,40,80,120],[10,0,30,60]],[[5,5],[200,255]]]}"""
                  """[[[0,255],[128,128],[0,17]],[[20,30,40],[0,90,180],[20,40,60]]]"""
                  """{"word":"dog","drawing":[[[3],[4]]]}""" ]
            let bytes = Text.Encoding.UTF8.GetBytes(String.Join("\n", lines))
            fuzz dir "drawings.ndjson" 30 200 bytes (fun f -> QuickDraw.loadStrokes [ f ] |> ignore) |> ignore
    ]
