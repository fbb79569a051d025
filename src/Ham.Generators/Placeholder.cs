namespace Ham.Generators
{
}
