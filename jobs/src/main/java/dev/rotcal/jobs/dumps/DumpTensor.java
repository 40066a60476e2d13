package dev.rotcal.jobs.dumps;

import dev.rotcal.model.safetensors.SafetensorsDtype;
import java.io.Serializable;

/**
 * One tensor of an activation dump, as its header describes it.
 *
 * @param file  the safetensors file holding it (a URI of the job's storage)
 * @param name  its name, e.g. {@code model.layers.3.mlp_in}
 * @param dtype F32, F16 or BF16 for rows; I32 or I64 for input_ids
 */
public record DumpTensor(String file, String name, SafetensorsDtype dtype) implements Serializable {
}
