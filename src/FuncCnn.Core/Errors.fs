namespace FuncCnn

open System

/// The base of every error FuncCnn raises on purpose: catch this to catch them all.
type FuncCnnException =
    inherit Exception
    new(message: string) = { inherit Exception(message) }
    new(message: string, inner: exn) = { inherit Exception(message, inner) }

/// A tensor, layer or model received a shape it cannot work with.
type ShapeException =
    inherit FuncCnnException
    new(message: string) = { inherit FuncCnnException(message) }

/// A value is outside what an operation accepts (a negative rate, a label out of range, ...).
type InvalidValueException =
    inherit FuncCnnException
    new(message: string) = { inherit FuncCnnException(message) }

/// A data file (IDX, NPY, strokes) is missing, malformed or inconsistent.
type DataFormatException =
    inherit FuncCnnException
    val File: string
    new(file: string, message: string) = { inherit FuncCnnException(sprintf "%s: %s" file message); File = file }
    new(file: string, message: string, inner: exn) =
        { inherit FuncCnnException(sprintf "%s: %s" file message, inner); File = file }

/// A model file could not be read or written: wrong magic, newer version, truncation, checksum
/// mismatch, a manifest that does not fit its architecture, or an I/O failure. Names the file.
type ModelFileException =
    inherit FuncCnnException
    val File: string
    new(file: string, message: string) = { inherit FuncCnnException(sprintf "%s: %s" file message); File = file }
    new(file: string, message: string, inner: exn) = { inherit FuncCnnException(sprintf "%s: %s" file message, inner); File = file }

/// Training produced a NaN or infinite loss; names the epoch and batch (both 1-based).
type TrainingDivergedException =
    inherit FuncCnnException
    val Epoch: int
    val Batch: int
    val Loss: float32
    new(epoch: int, batch: int, loss: float32) =
        { inherit FuncCnnException(sprintf "training diverged: the loss is %g at epoch %d, batch %d; try a lower learning rate or check the inputs for NaN" loss epoch batch)
          Epoch = epoch; Batch = batch; Loss = loss }

/// Helpers that raise the library's own exceptions with formatted messages.
module internal Fail =
    let shape fmt = Printf.ksprintf (fun s -> raise (ShapeException s)) fmt
    let value fmt = Printf.ksprintf (fun s -> raise (InvalidValueException s)) fmt
    let data file fmt = Printf.ksprintf (fun s -> raise (DataFormatException(file, s))) fmt

/// Writing output files: the folder is created when missing, and a failure is an IOException
/// naming the file and its folder (ModelFileException means a corrupt file being read).
module internal FileOut =
    /// Runs `write` on the full path after creating its folder; I/O and permission failures
    /// become an IOException that names the file and the folder.
    let write (path: string) (write: string -> unit) =
        let full = IO.Path.GetFullPath path
        let folder = IO.Path.GetDirectoryName full
        try
            if not (String.IsNullOrEmpty folder) then IO.Directory.CreateDirectory folder |> ignore
            write full
        with
        | :? IO.IOException | :? UnauthorizedAccessException as e ->
            raise (IO.IOException(sprintf "could not write '%s' (folder '%s'): %s" full folder e.Message, e))
