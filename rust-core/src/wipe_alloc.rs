//! A zero-on-free global allocator, offered to programs (see [`WipingAllocator`]).

/// A global allocator that zeroes every block before freeing it, for programs that want no
/// copy of a secret left in freed memory.
///
/// The engine wipes what it owns (the credential's secret and token, the metadata token,
/// response bodies) on drop. The HTTP and JSON libraries underneath keep copies of their
/// own that the engine cannot reach: the connection's read and write buffers, header
/// values, the JSON parser's scratch space. They are gone for good only if the allocator
/// wipes them when they are freed. A library must not choose the global allocator of the
/// program that uses it, so the engine only offers one; ecscred's own artifacts (the C
/// library, the Python extension, the `ecscred` command) declare it. A Rust program that
/// wants the same guarantee declares it too:
///
/// ```
/// #[global_allocator]
/// static ALLOCATOR: ecscred::WipingAllocator = ecscred::WIPING_ALLOCATOR;
/// # fn main() {}
/// ```
///
/// Cost: a `memset` of every block freed, and a `realloc` always moves (so that the old
/// block is wiped too). The warm path of a credential call allocates nothing, so only
/// fetches and the program's own allocations pay.
///
/// It is 1Password's `zeroizing-alloc` wrapper over the system allocator.
pub type WipingAllocator = zeroizing_alloc::ZeroAlloc<std::alloc::System>;

/// The [`WipingAllocator`], to declare with `#[global_allocator]`.
pub const WIPING_ALLOCATOR: WipingAllocator = zeroizing_alloc::ZeroAlloc(std::alloc::System);
