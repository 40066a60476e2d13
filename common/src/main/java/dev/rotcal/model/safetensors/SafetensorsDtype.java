package dev.rotcal.model.safetensors;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The safetensors element types rotcal reads and writes, with their size and the Java array that holds
 * their values: F32/F16/BF16 as {@code float[]} (exact widening), I32 as {@code int[]}, I64 as
 * {@code long[]}, U8/I8 as {@code byte[]} (U8 values are {@code b & 0xFF}).
 */
public enum SafetensorsDtype {
    F32(4, float[].class),
    F16(2, float[].class),
    BF16(2, float[].class),
    I32(4, int[].class),
    I64(8, long[].class),
    U8(1, byte[].class),
    I8(1, byte[].class);

    /** Valid safetensors dtypes that rotcal does not read: reported as unsupported, not as unknown. */
    private static final Set<String> KNOWN_UNSUPPORTED = Set.of("F64", "BOOL", "I16", "U16", "U32", "U64",
            "C64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4");

    private final int byteSize;
    private final Class<?> arrayType;

    SafetensorsDtype(int byteSize, Class<?> arrayType) {
        this.byteSize = byteSize;
        this.arrayType = arrayType;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The Java array type holding this dtype's values: float[], int[], long[] or byte[]. */
    public Class<?> arrayType() {
        return arrayType;
    }

    /** True for F32, F16 and BF16 (read as float[]). */
    public boolean isFloating() {
        return arrayType == float[].class;
    }

    /** The dtype named {@code name} in a safetensors header, if rotcal supports it. */
    public static Optional<SafetensorsDtype> fromName(String name) {
        return Arrays.stream(values()).filter(d -> d.name().equals(name)).findFirst();
    }

    /** True when {@code name} is a safetensors dtype that rotcal does not support (e.g. F64, BOOL). */
    public static boolean isKnownUnsupported(String name) {
        return KNOWN_UNSUPPORTED.contains(name);
    }

    /** "F32, F16, BF16, I32, I64, U8, I8", for messages. */
    public static String supportedNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
