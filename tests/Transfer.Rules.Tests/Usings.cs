global using Transfer.Rules.Planning;
global using static Transfer.Rules.Tests.Models;
