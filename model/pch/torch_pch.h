// Precompiled for every translation unit of the model library: LibTorch headers dominate compile time.
#include <torch/torch.h>
