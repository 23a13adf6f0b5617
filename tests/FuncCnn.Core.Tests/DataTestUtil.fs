/// Helpers for the data tests: a private temp folder and builders of IDX / .npy bytes.
module FuncCnn.Core.Tests.DataTestUtil

open System
open System.IO
open System.IO.Compression
open System.Text
open Expecto
open FuncCnn.Core.Tests.TestUtil
open FuncCnn
open FuncCnn.Core
let mnistDir = Path.Combine(TestUtil.sharedDir, "datasets", "mnist")
let quickdrawDir = Path.Combine(TestUtil.sharedDir, "datasets", "quickdraw")

/// A fresh folder under the system temp folder (never inside the data folders), deleted with
/// everything in it when disposed.
type TempDir(tag: string) =
    let path = Path.Combine(Path.GetTempPath(), sprintf "funccnn-%s-%s" tag (Guid.NewGuid().ToString("N")))
    do Directory.CreateDirectory path |> ignore
    member _.Path = path
    interface IDisposable with
        member _.Dispose() = try Directory.Delete(path, true) with _ -> ()

let write (dir: string) (name: string) (bytes: byte[]) =
    let p = Path.Combine(dir, name)
    File.WriteAllBytes(p, bytes)
    p

let gzip (bytes: byte[]) =
    use ms = new MemoryStream()
    (use gz = new GZipStream(ms, CompressionLevel.Fastest, true)
     gz.Write(bytes, 0, bytes.Length))
    ms.ToArray()

let gunzip (bytes: byte[]) =
    use gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress)
    use ms = new MemoryStream()
    gz.CopyTo ms
    ms.ToArray()

/// IDX bytes: magic 00 00 code rank, big-endian dims, then the payload as given (the fuzz corpus's builder).
let idx (code: byte) (dims: int[]) (payload: byte[]) = FuzzCorpus.idx code dims payload

/// .npy v1.0 bytes with the given header dict text, padded to 64 like NumPy does.
let npyWithHeader (major: byte) (dict: string) (payload: byte[]) =
    let lenBytes = if major = 1uy then 2 else 4
    let unpadded = 8 + lenBytes + dict.Length + 1
    let pad = (64 - unpadded % 64) % 64
    let header = Encoding.ASCII.GetBytes(dict + String(' ', pad) + "\n")
    let len = if lenBytes = 2 then [| byte header.Length; byte (header.Length >>> 8) |] else BitConverter.GetBytes(uint32 header.Length)
    Array.concat [ [| 0x93uy; byte 'N'; byte 'U'; byte 'M'; byte 'P'; byte 'Y'; major; 0uy |]; len; header; payload ]

let npy (rows: int) (cols: int) (payload: byte[]) =
    npyWithHeader 1uy (sprintf "{'descr': '|u1', 'fortran_order': False, 'shape': (%d, %d), }" rows cols) payload

/// Asserts f fails with a DataFormatException whose message contains every fragment.
let throwsData (fragments: string list) (f: unit -> 'a) =
    let e = throws<DataFormatException> (fun () -> f () |> ignore)
    for frag in fragments do
        Expect.isTrue (e.Message.Contains(frag: string)) (sprintf "expected '%s' in: %s" frag e.Message)
    e
