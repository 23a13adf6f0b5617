namespace FuncCnn.Core.Data

open FuncCnn

open FuncCnn.Core

/// The teaching letters of the from-scratch CNN notebook: tiny 6x6 images of "O" and "X".
module Letters =
    /// The two base images, 1 = ink. Each glyph is 4x4, centred with a blank one-pixel border,
    /// so it can move one pixel in every direction and stay inside the 6x6 frame.
    let patterns =
        [| "O",
           [| "......"
              "..##.."
              ".#..#."
              ".#..#."
              "..##.."
              "......" |]
           "X",
           [| "......"
              ".#..#."
              "..##.."
              "..##.."
              ".#..#."
              "......" |] |]
        |> Array.map (fun (name, rows) -> name, rows |> Array.map (fun r -> r |> Seq.map (fun c -> if c = '#' then 1uy else 0uy) |> Array.ofSeq))

    /// The shifts applied to each base image, as (name, rows down, columns right).
    let shifts = [| "centre", 0, 0; "up", -1, 0; "down", 1, 0; "left", 0, -1; "right", 0, 1 |]

    let private shifted (rows: byte[][]) (dy: int) (dx: int) =
        Array.init 36 (fun p ->
            let y, x = p / 6 - dy, p % 6 - dx
            if y >= 0 && y < 6 && x >= 0 && x < 6 then rows.[y].[x] else 0uy)

    /// The dataset: 10 images of shape (1,6,6), pixel values 0 or 255 (0.0 or 1.0 in a batch),
    /// classes ["O"; "X"]. Images 0-4 are O and 5-9 are X, each in the order of `shifts`:
    /// centred, then shifted up, down, left and right by one pixel.
    let dataset () : Dataset =
        let images =
            [| for label, (_, rows) in Array.indexed patterns do
                 for _, dy, dx in shifts do
                     yield label, shifted rows dy dx |]
        { Name = "letters"
          Pixels = Bytes(images |> Array.collect (fun (_, px) -> px |> Array.map (fun v -> v * 255uy)))
          ImageShape = [| 1; 6; 6 |]
          Labels = images |> Array.map fst
          ClassNames = patterns |> Array.map fst }
        |> Dataset.validate

/// The from-scratch CNN notebook's own letters, exactly: its 6x6 `create_letter_o()` and
/// `create_letter_x()` arrays, and its training set of four images.
module NotebookLetters =
    /// The notebook's letter O (1 = ink), row by row.
    let o: int[][] =
        [| [| 0; 1; 1; 1; 1; 0 |]
           [| 1; 0; 0; 0; 0; 1 |]
           [| 1; 0; 0; 0; 0; 1 |]
           [| 1; 0; 0; 0; 0; 1 |]
           [| 1; 0; 0; 0; 0; 1 |]
           [| 0; 1; 1; 1; 1; 0 |] |]

    /// The notebook's letter X (1 = ink), row by row.
    let x: int[][] =
        [| [| 1; 0; 0; 0; 0; 1 |]
           [| 0; 1; 0; 0; 1; 0 |]
           [| 0; 0; 1; 1; 0; 0 |]
           [| 0; 0; 1; 1; 0; 0 |]
           [| 0; 1; 0; 0; 1; 0 |]
           [| 1; 0; 0; 0; 0; 1 |] |]

    /// The notebook's `create_shifted_o`/`create_shifted_x`, statement for statement: each pixel
    /// (i, j) reads base[i - down, j - right] and writes it to (clamp(i + down), clamp(j + right)),
    /// later writes winning. (This is what the notebook computes, clamping included.)
    let shifted (shiftRight: int) (shiftDown: int) (bas: int[][]) : int[][] =
        let img = Array.init 6 (fun _ -> Array.zeroCreate 6)
        for i in 0 .. 5 do
            for j in 0 .. 5 do
                let ni = min 5 (max 0 (i + shiftDown))
                let nj = min 5 (max 0 (j + shiftRight))
                if 0 <= i - shiftDown && i - shiftDown < 6 && 0 <= j - shiftRight && j - shiftRight < 6 then
                    img.[ni].[nj] <- bas.[i - shiftDown].[j - shiftRight]
        img

    /// The notebook's training set: O, O shifted right, X, X shifted right (`train_targets = [0, 0, 1, 1]`),
    /// images (1,6,6) of float 0.0/1.0 exactly as the notebook's arrays, classes ["O"; "X"].
    let trainingSet () : Dataset =
        let images = [| o; shifted 1 0 o; x; shifted 1 0 x |]
        { Name = "letters-notebook"
          Pixels = Floats(images |> Array.collect (fun rows -> rows |> Array.collect (Array.map float32)))
          ImageShape = [| 1; 6; 6 |]
          Labels = [| 0; 0; 1; 1 |]
          ClassNames = [| "O"; "X" |] }
        |> Dataset.validate
