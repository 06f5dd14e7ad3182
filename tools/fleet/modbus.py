async def start(server): return []
