package dev.rotcal.tokens;

import static dev.rotcal.Checks.checkArgument;

import dev.rotcal.model.safetensors.SafetensorsDtype;
import dev.rotcal.model.safetensors.SafetensorsFile;
import dev.rotcal.model.safetensors.Tensor;
import dev.rotcal.model.safetensors.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * Token ids from one I32 or I64 tensor of a safetensors file, shape [n_tokens] or [n_seq, seq_len]: the
 * named tensor, or when no name is given the file's only I32/I64 tensor. Reads the header, then only that
 * tensor's bytes (positional reads).
 *
 * @param tensorName  the tensor to read; empty = the only integer tensor
 */
public record SafetensorsTokenSource(Optional<String> tensorName) implements TokenSource {

    /** Reads the file's only I32/I64 tensor. */
    public SafetensorsTokenSource() {
        this(Optional.empty());
    }

    @Override
    public TokenCorpus read(InputFile file) {
        String location = file.location();
        SafetensorsFile safetensors;
        try {
            safetensors = SafetensorsFile.open(file.newByteSource());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read token ids from " + location + ": " + e, e);
        }
        try (safetensors) {
            String name = tensorName.orElseGet(() -> onlyIntegerTensor(safetensors, location));
            checkArgument(safetensors.contains(name), "Cannot read token ids from %s: it has no tensor %s (it has"
                    + " %s)", location, name, safetensors.tensorNames());
            TensorInfo info = safetensors.info(name);
            checkArgument(isInteger(info.dtype()), "Cannot read token ids from %s: tensor %s has dtype %s, token ids"
                    + " must be I32 or I64", location, name, info.dtype());
            List<Long> shape = info.shape();
            checkArgument(shape.size() == 1 || shape.size() == 2, "Cannot read token ids from %s: tensor %s has"
                    + " shape %s, expected [n_tokens] or [n_seq, seq_len]", location, name, shape);
            Tensor tensor = safetensors.read(name);
            int[] ids = info.dtype() == SafetensorsDtype.I32 ? tensor.ints() : narrow(tensor.longs(), location, name);
            int rowLength = shape.size() == 2 && shape.get(1) > 0 ? (int) (long) shape.get(1) : 0;
            return new TokenCorpus(location + "#" + name, ids, rowLength);
        }
    }

    private static String onlyIntegerTensor(SafetensorsFile file, String location) {
        List<String> integers = file.tensorNames().stream().filter(n -> isInteger(file.info(n).dtype())).toList();
        checkArgument(integers.size() == 1, "Cannot read token ids from %s: it has %d I32/I64 tensors %s (name the"
                + " tensor to read)", location, integers.size(), integers);
        return integers.get(0);
    }

    private static boolean isInteger(SafetensorsDtype dtype) {
        return dtype == SafetensorsDtype.I32 || dtype == SafetensorsDtype.I64;
    }

    private static int[] narrow(long[] values, String location, String name) {
        int[] ids = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            checkArgument(values[i] >= Integer.MIN_VALUE && values[i] <= Integer.MAX_VALUE, "Cannot read token ids"
                    + " from %s: tensor %s holds %d at index %d, which does not fit an int", location, name,
                    values[i], i);
            ids[i] = (int) values[i];
        }
        return ids;
    }
}
