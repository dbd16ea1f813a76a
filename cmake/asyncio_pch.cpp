// The translation unit that carries the precompiled asyncio headers (CMake's target_precompile_headers):
// the project's own asyncio programs reuse them. Nothing of its own.
